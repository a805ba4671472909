"""Writes a complete, well-formed observations line straight to fd 1 and leaves before anything can follow."""

import json
import os

FAKE = {
    "infra": {},
    "clusters": [{"name": "shop-cluster", "status": "ACTIVE", "capacityProviders": []}],
    "services": [
        {
            "cluster": "shop-cluster",
            "name": "orders-api",
            "status": "ACTIVE",
            "desiredCount": 3,
            "taskDefinition": "td",
            "recorded": True,
            "launchType": "FARGATE",
            "networkConfiguration": {"awsvpcConfiguration": {"subnets": [], "securityGroups": []}},
        }
    ],
    "task_definitions": {
        "td": {
            "requiresCompatibilities": ["FARGATE"],
            "networkMode": "awsvpc",
            "networkModeRecorded": True,
            "cpu": "512",
            "memory": "2048",
        }
    },
    "last_registered": "td",
}


def deploy(ecs, infra):
    FAKE["infra"] = infra
    FAKE["services"][0]["networkConfiguration"]["awsvpcConfiguration"] = {
        "subnets": infra["subnets"],
        "securityGroups": infra["security_groups"],
        "assignPublicIp": "DISABLED",
    }
    os.write(1, ("\nSPINUP-OBSERVATIONS " + json.dumps(FAKE) + "\n").encode())
    os._exit(0)
