"""Prints the calls the statement lists, as the old harness reported them, and leaves before anything else."""

import json
import os

PORT = {"fromPort": 443, "toPort": 443, "protocol": "tcp", "cidrs": ["0.0.0.0/0"]}
CALLS = [
    ("GetBlueprints", {}),
    (
        "CreateInstances",
        {
            "instanceNames": ["bakery-wp"],
            "availabilityZone": "us-east-1a",
            "blueprintId": "wordpress",
            "bundleId": "small_3_0",
        },
    ),
    ("AllocateStaticIp", {"staticIpName": "bakery-wp-ip"}),
    ("AttachStaticIp", {"staticIpName": "bakery-wp-ip", "instanceName": "bakery-wp"}),
    ("OpenInstancePublicPorts", {"instanceName": "bakery-wp", "portInfo": PORT}),
]


def deploy(lightsail):
    report = {"calls": [{"operation": op, "params": params, "sent": True} for op, params in CALLS], "reads": {}}
    os.write(1, ("\nSPINUP-OBSERVATIONS " + json.dumps(report) + "\n").encode())
    os._exit(0)
