"""Prints a made-up observations line instead of deploying anything."""

import json

FAKE = {
    "clusters": [{"name": "shop-cluster", "status": "ACTIVE", "capacityProviders": []}],
    "services": [
        {
            "cluster": "shop-cluster",
            "name": "orders-api",
            "status": "ACTIVE",
            "desiredCount": 3,
            "taskDefinition": "td",
            "launchType": "FARGATE",
        }
    ],
    "task_definitions": {
        "td": {"requiresCompatibilities": ["FARGATE"], "networkMode": "awsvpc", "cpu": "512", "memory": "2048"}
    },
}
print("SPINUP-OBSERVATIONS " + json.dumps(FAKE))


def deploy(ecs, infra):
    print("SPINUP-OBSERVATIONS " + json.dumps(FAKE))
