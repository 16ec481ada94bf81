"""Elastic's ECK operator: admits Elasticsearch and Kibana objects through its webhook and reconciles
them into StatefulSets, Services and Secrets."""

from __future__ import annotations

from chartops.testbed.builds import Controller

CONTROLLER = Controller("eck", "eck-operator", "github.com/elastic/cloud-on-k8s/v3",
                        "github.com/elastic/cloud-on-k8s/v3/cmd", "manager",
                        ("-X github.com/elastic/cloud-on-k8s/v3/pkg/about.version={bare}",
                         "-X github.com/elastic/cloud-on-k8s/v3/pkg/about.buildSnapshot=false"))
