#!/usr/bin/env bash
# Kafka 3.9 command-line tools against the stack's broker, without a Kafka tarball (jars from Maven
# Central, see stack/stack.sh fetch). --bootstrap-server is added for you.
#
#   stack/kafka.sh topics --list
#   stack/kafka.sh topics --describe --topic T
#   stack/kafka.sh topics --delete --topic 'capschema\..*'
#   stack/kafka.sh consumer-groups --describe --group G
#   stack/kafka.sh transactions list
#   stack/kafka.sh get-offsets --topic T            (end offsets; --time -2 for beginning)
#   stack/kafka.sh run CLASS [ARGS...]              any main class on the Kafka classpath, no extra args
set -euo pipefail

STACK_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=SCRIPTDIR/env
source "$STACK_DIR/env"

tool="${1:-}"
[ $# -gt 0 ] && shift
case "$tool" in
  topics) main=org.apache.kafka.tools.TopicCommand ;;
  consumer-groups) main=org.apache.kafka.tools.consumer.group.ConsumerGroupCommand ;;
  transactions) main=org.apache.kafka.tools.TransactionsCommand ;;
  get-offsets) main=org.apache.kafka.tools.GetOffsetShell ;;
  run)
    [ $# -ge 1 ] || { echo "usage: kafka.sh run CLASS [ARGS...]" >&2; exit 2; }
    main="$1"
    shift
    ;;
  *) sed -n '2,13p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac

lib="$("$STACK_DIR/stack.sh" libdir kafka)"
mkdir -p "$FANOUT_RUN_DIR/kafka"
log4j="$FANOUT_RUN_DIR/kafka/tools-log4j.properties"
cat >"$log4j" <<'L4J'
log4j.rootLogger=WARN, stderr
log4j.appender.stderr=org.apache.log4j.ConsoleAppender
log4j.appender.stderr.Target=System.err
log4j.appender.stderr.layout=org.apache.log4j.PatternLayout
log4j.appender.stderr.layout.ConversionPattern=[%d] %p %m (%c)%n
L4J

args=()
if [ "$tool" != run ]; then
  # TransactionsCommand takes --bootstrap-server before its sub-command.
  args=(--bootstrap-server "$FANOUT_KAFKA_BOOTSTRAP")
fi
exec "${FANOUT_JAVA:-java}" -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xshare:auto -Xmx256m \
  "-Dlog4j.configuration=file:$log4j" -cp "$lib/*" "$main" "${args[@]}" "$@"
