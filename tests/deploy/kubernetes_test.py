#!/usr/bin/python3
"""deploy/kubernetes, checked without a cluster: every manifest parses, the sidecar's config
(the ConfigMap) passes `fanout validate` in the environment the Deployment gives the container
(secrets from the Secret, the pod's name), the choices deploy/README.md explains are there,
and the Dockerfile has its two Debian 12 stages and copies files that exist.

usage: kubernetes_test.py FANOUT_BINARY  (ctest runs it: tests/deploy/CMakeLists.txt)
Needs python3-yaml (scripts/install-deps.sh installs it).
"""
import glob
import os
import re
import subprocess
import sys
import tempfile
import unittest

import yaml

REPO = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
MANIFESTS = os.path.join(REPO, "deploy", "kubernetes")
FANOUT = None  # set from argv
POD_NAME = "inventory-7d9f8b6c4-x2x9z"  # what metadata.name looks like in a Deployment's pod
DURATION = re.compile(r"^(\d+)(ms|s|m|h)$")


def seconds(duration):
    match = DURATION.match(str(duration))
    assert match, f"not a duration: {duration}"
    return int(match.group(1)) * {"ms": 0.001, "s": 1, "m": 60, "h": 3600}[match.group(2)]


def load_manifests():
    documents = []
    for path in sorted(glob.glob(os.path.join(MANIFESTS, "*.yaml"))):
        with open(path, encoding="utf-8") as f:
            documents += [(path, doc) for doc in yaml.safe_load_all(f) if doc is not None]
    return documents


class KubernetesManifestsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.documents = load_manifests()
        cls.by_kind = {doc["kind"]: doc for _, doc in cls.documents}
        cls.deployment = cls.by_kind["Deployment"]
        cls.pod = cls.deployment["spec"]["template"]["spec"]
        cls.fanout = next(c for c in cls.pod["containers"] if c["name"] == "fanout")
        cls.config_text = cls.by_kind["ConfigMap"]["data"]["fanout.yaml"]
        cls.config = yaml.safe_load(cls.config_text)

    def test_every_manifest_parses_as_a_kubernetes_object(self):
        self.assertGreaterEqual(len(self.documents), 3)
        for path, doc in self.documents:
            with self.subTest(path=path):
                for key in ("apiVersion", "kind", "metadata"):
                    self.assertIn(key, doc)
                self.assertTrue(doc["metadata"].get("name"))
        self.assertEqual({"ConfigMap", "Secret", "Deployment"}, set(self.by_kind))

    def pod_environment(self):
        """The fanout container's environment, as the kubelet would set it."""
        secret = self.by_kind["Secret"]
        env = {}
        for var in self.fanout["env"]:
            if "value" in var:
                env[var["name"]] = str(var["value"])
                continue
            source = var["valueFrom"]
            if "secretKeyRef" in source:
                ref = source["secretKeyRef"]
                self.assertEqual(ref["name"], secret["metadata"]["name"], var["name"])
                self.assertIn(ref["key"], secret["stringData"], f"{var['name']}: no such key")
                env[var["name"]] = str(secret["stringData"][ref["key"]])
            else:
                self.assertEqual(source["fieldRef"]["fieldPath"], "metadata.name", var["name"])
                env[var["name"]] = POD_NAME
        return env

    def test_the_embedded_config_validates_in_the_pods_environment(self):
        env = self.pod_environment()
        # Each ${VAR} without a default must come from the container's environment.
        for name in re.findall(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}", self.config_text):
            self.assertIn(name, env, f"the config uses ${{{name}}}, which the pod does not set")
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "fanout.yaml")
            with open(path, "w", encoding="utf-8") as f:
                f.write(self.config_text)
            result = subprocess.run([FANOUT, "validate", "-c", path], capture_output=True,
                                    text=True, env={"PATH": os.environ.get("PATH", ""), **env})
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertIn("OK", result.stdout + result.stderr)

    def test_config_and_secrets_reach_the_container(self):
        args = self.fanout["args"]
        self.assertEqual(args[:2], ["run", "-c"])
        mount = next(m for m in self.fanout["volumeMounts"] if m["name"] == "fanout-config")
        self.assertEqual(os.path.dirname(args[2]), mount["mountPath"])
        volume = next(v for v in self.pod["volumes"] if v["name"] == "fanout-config")
        self.assertEqual(volume["configMap"]["name"], self.by_kind["ConfigMap"]["metadata"]["name"])
        self.assertIn(os.path.basename(args[2]), self.by_kind["ConfigMap"]["data"])
        # No secret in the ConfigMap itself: each secret-looking value is a ${VAR}.
        sinks = self.config["sinks"].values()
        for value in [s.get("password") for s in sinks] + [s.get("dsn") for s in sinks] + [
                self.config["kafka"].get("sasl.password")]:
            if value is not None:
                self.assertRegex(value, r"^\$\{[A-Z_]+\}$")

    def test_probes_use_the_admin_endpoint(self):
        port = next(p for p in self.fanout["ports"] if p["name"] == "admin")
        self.assertEqual(str(port["containerPort"]), self.config["admin"]["listen"].split(":")[-1])
        self.assertFalse(self.config["admin"]["listen"].startswith("127."),
                         "the kubelet probes the pod's address, not its loopback")
        self.assertEqual(self.fanout["livenessProbe"]["httpGet"],
                         {"path": "/healthz", "port": "admin"})
        self.assertEqual(self.fanout["readinessProbe"]["httpGet"],
                         {"path": "/readyz", "port": "admin"})

    def test_group_instance_id_is_the_pod_name(self):
        env = self.pod_environment()
        kafka = self.config["kafka"]
        self.assertEqual(kafka["group.instance.id"], "${POD_NAME}")
        self.assertEqual(env["POD_NAME"], POD_NAME)  # from fieldRef metadata.name

    def test_the_grace_period_outlasts_prestop_and_the_drain(self):
        command = self.fanout["lifecycle"]["preStop"]["exec"]["command"]
        self.assertEqual(command[0], "/bin/sleep")
        pre_stop = int(command[1])
        drain = seconds(self.config.get("processing", {}).get("drain_timeout", "10s"))
        grace = self.pod["terminationGracePeriodSeconds"]
        self.assertGreater(grace, pre_stop + drain + 5, "no time left to commit")

    def test_the_dockerfile_is_multi_stage_on_debian_12_and_copies_what_exists(self):
        # No container runtime here to build it: check its stages and the files it copies.
        with open(os.path.join(MANIFESTS, "Dockerfile"), encoding="utf-8") as f:
            lines = [l.strip() for l in f if l.strip() and not l.startswith("#")]
        stages = [l.split()[1] for l in lines if l.startswith("FROM ")]
        self.assertEqual(stages, ["debian:12", "debian:12-slim"])
        for line in lines:
            if line.startswith("COPY ") and "--from=" not in line:
                for source in line.split()[1:-1]:
                    self.assertTrue(os.path.exists(os.path.join(REPO, source)), line)
            if line.startswith("RUN scripts/"):
                self.assertTrue(os.access(os.path.join(REPO, line.split()[1]), os.X_OK), line)
        self.assertIn('ENTRYPOINT ["/usr/bin/fanout"]', lines)
        image = self.fanout["image"].rsplit(":", 1)[1]
        self.assertEqual(image, subprocess.run([FANOUT, "--version"], capture_output=True,
                                               text=True).stdout.split()[1],
                         "the Deployment's image tag is not this version")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    FANOUT = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
