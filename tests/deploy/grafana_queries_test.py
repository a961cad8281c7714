#!/usr/bin/python3
"""deploy/grafana/fanout.json without a Grafana server: the JSON loads, panels have unique ids
and use the dashboard's data source variable, and every query is valid PromQL. promtool has no
offline PromQL check of its own, so each query (Grafana's $variables filled in) becomes a
recording rule of a temporary rule file that `promtool check rules` parses. That the metric
names exist is tests/unit/deploy/metric_names_test.cc.

usage: grafana_queries_test.py  (ctest runs it: tests/deploy/CMakeLists.txt)
"""
import json
import os
import subprocess
import tempfile
import unittest

DASHBOARD = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "deploy",
                         "grafana", "fanout.json")
# What Grafana substitutes before it sends a query to Prometheus.
VARIABLES = {"$__rate_interval": "1m", "$__range": "1h", "$job": ".*", "$instance": ".*"}


class GrafanaDashboardTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        with open(DASHBOARD, encoding="utf-8") as f:
            cls.dashboard = json.load(f)
        cls.panels = [p for p in cls.dashboard["panels"] if p["type"] != "row"]

    def test_panels_have_unique_ids_and_use_the_datasource_variable(self):
        ids = [p["id"] for p in self.dashboard["panels"]]
        self.assertEqual(len(ids), len(set(ids)))
        self.assertIn("datasource", [v["name"] for v in self.dashboard["templating"]["list"]])
        for panel in self.panels:
            with self.subTest(panel=panel["title"]):
                self.assertEqual(panel["datasource"]["uid"], "${datasource}")
                self.assertTrue(panel["targets"])
                for target in panel["targets"]:
                    self.assertEqual(target["datasource"]["uid"], "${datasource}")

    def test_every_query_is_valid_promql(self):
        rules = []
        for panel in self.panels:
            for target in panel["targets"]:
                query = target["expr"]
                for name, value in VARIABLES.items():
                    query = query.replace(name, value)
                rules.append({"record": f"panel_{panel['id']}_{target['refId']}", "expr": query})
        self.assertGreater(len(rules), 10)
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "dashboard-queries.json")  # JSON is YAML to promtool
            with open(path, "w", encoding="utf-8") as f:
                json.dump({"groups": [{"name": "dashboard", "rules": rules}]}, f)
            result = subprocess.run(["promtool", "check", "rules", path], capture_output=True,
                                    text=True)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
