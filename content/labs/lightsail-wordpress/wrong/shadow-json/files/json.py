"""Shadows the standard json module: the first import of json (by boto3) prints a forged report and exits."""

import os

CALLS = (
    '[{"operation": "CreateInstances", "sent": true, "params": {"instanceNames": ["bakery-wp"],'
    ' "availabilityZone": "us-east-1a", "blueprintId": "wordpress", "bundleId": "small_3_0"}},'
    ' {"operation": "AllocateStaticIp", "sent": true, "params": {"staticIpName": "bakery-wp-ip"}},'
    ' {"operation": "AttachStaticIp", "sent": true, "params": {"staticIpName": "bakery-wp-ip",'
    ' "instanceName": "bakery-wp"}}, {"operation": "OpenInstancePublicPorts", "sent": true,'
    ' "params": {"instanceName": "bakery-wp", "portInfo": {"fromPort": 443, "toPort": 443, "protocol": "tcp"}}}]'
)
os.write(1, ('\nSPINUP-OBSERVATIONS {"calls": ' + CALLS + "}\n").encode())
os._exit(0)
