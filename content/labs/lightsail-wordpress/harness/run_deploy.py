"""Runs inside the sandbox: hand the student's deploy() a real boto3 Lightsail client that never leaves the box.

botocore validates every call against the real Lightsail API model; then a before-call handler answers it
from a small in-memory Lightsail (no network), so the call order and parameters can be recorded. A call that
fails validation never reaches before-call: it is recorded as not sent, with botocore's error.
"""

import datetime
import json
import re

import boto3
from botocore.awsrequest import AWSResponse
from botocore.validate import ParamValidator

REGION = "us-east-1"
ZONES = [f"{REGION}{letter}" for letter in "abcdef"]
NAME = re.compile(r"^\w[\w\-]*\w$")
PROTOCOLS = {"tcp", "all", "udp", "icmp", "icmpv6"}
BLUEPRINTS = [  # (id, name, type, group, version)
    ("wordpress", "WordPress", "app", "wordpress", "6.8.1"),
    ("wordpress_multisite", "WordPress Multisite", "app", "wordpress_multi", "6.8.1"),
    ("lamp_8_bitnami", "LAMP (PHP 8)", "app", "lamp_8", "8.3.21"),
    ("nginx", "Nginx", "app", "nginx", "1.28.0"),
    ("nodejs", "Node.js", "app", "node", "22.16.0"),
    ("amazon_linux_2023", "Amazon Linux 2023", "os", "amazon_linux_2023", "2023.7"),
    ("ubuntu_24_04", "Ubuntu", "os", "ubuntu_24", "24.04 LTS"),
    ("debian_12", "Debian", "os", "debian_12", "12.10"),
]
BUNDLES = [  # (plan, RAM GB, disk GB, transfer GB, price with IPv4, price IPv6-only)
    ("nano", 0.5, 20, 1024, 5.0, 3.5),
    ("micro", 1.0, 40, 2048, 7.0, 5.0),
    ("small", 2.0, 60, 3072, 12.0, 10.0),
    ("medium", 4.0, 80, 4096, 24.0, 20.0),
    ("large", 8.0, 160, 5120, 44.0, 40.0),
]


def now():
    return datetime.datetime.now(datetime.UTC)


def blueprint_list():
    return [
        {
            "blueprintId": bid,
            "name": name,
            "group": group,
            "type": kind,
            "isActive": True,
            "minPower": 0,
            "version": version,
            "platform": "LINUX_UNIX",
            "description": f"{name} on Lightsail",
        }
        for bid, name, kind, group, version in BLUEPRINTS
    ]


def bundle_list():
    bundles = []
    for power, (plan, ram, disk, transfer, price, price_v6) in enumerate(BUNDLES):
        common = {
            "cpuCount": 2,
            "diskSizeInGb": disk,
            "isActive": True,
            "power": (power + 1) * 100,
            "ramSizeInGb": ram,
            "transferPerMonthInGb": transfer,
            "supportedPlatforms": ["LINUX_UNIX"],
        }
        bundles.append(
            {
                "bundleId": f"{plan}_3_0",
                "name": plan.capitalize(),
                "price": price,
                "publicIpv4AddressCount": 1,
                **common,
            }
        )
        bundles.append(
            {
                "bundleId": f"{plan}_ipv6_3_0",
                "name": f"{plan.capitalize()} IPv6",
                "price": price_v6,
                "publicIpv4AddressCount": 0,
                **common,
            }
        )
    return bundles


class Fail(Exception):
    def __init__(self, code, message):
        super().__init__(message)
        self.code = code


class FakeLightsail:
    """Just enough Lightsail state to answer a deploy script the way the service would."""

    def __init__(self):
        self.instances, self.static_ips = {}, {}
        self.blueprints = {b["blueprintId"] for b in blueprint_list()}
        self.bundles = {b["bundleId"] for b in bundle_list()}

    def operation(self, resource, kind, op_type, zone=REGION + "a"):
        return {
            "id": f"op-{len(self.instances)}-{len(self.static_ips)}-{op_type}",
            "resourceName": resource,
            "resourceType": kind,
            "createdAt": now(),
            "location": {"availabilityZone": zone, "regionName": REGION},
            "isTerminal": True,
            "operationType": op_type,
            "status": "Succeeded",
            "statusChangedAt": now(),
        }

    def instance(self, name):
        if name not in self.instances:
            raise Fail("NotFoundException", f"The Instance does not exist: {name}")
        return self.instances[name]

    def describe(self, name):
        item = self.instance(name)
        static = next((ip for ip, info in self.static_ips.items() if info["attachedTo"] == name), None)
        return {
            "name": name,
            "arn": f"arn:aws:lightsail:{REGION}:123456789012:Instance/{name}",
            "createdAt": now(),
            "location": {"availabilityZone": item["zone"], "regionName": REGION},
            "resourceType": "Instance",
            "blueprintId": item["blueprint"],
            "bundleId": item["bundle"],
            "isStaticIp": static is not None,
            "privateIpAddress": "172.26.5.10",
            "publicIpAddress": self.static_ips[static]["ipAddress"] if static else "198.51.100.23",
            "state": {"code": 16, "name": "running"},
            "username": "bitnami",
            "networking": {"ports": [dict(p, accessDirection="inbound") for p in item["ports"]]},
        }

    @staticmethod
    def check_port(info):
        if info.get("protocol") not in PROTOCOLS:
            raise Fail("InvalidInputException", f"protocol must be one of {sorted(PROTOCOLS)}")
        low, high = info.get("fromPort", 0), info.get("toPort", 0)
        if not (0 <= low <= 65535 and 0 <= high <= 65535 and low <= high) and info["protocol"] in ("tcp", "udp"):
            raise Fail("InvalidInputException", "fromPort and toPort must be 0-65535 with fromPort <= toPort")
        return {
            "fromPort": low,
            "toPort": high,
            "protocol": info["protocol"],
            "cidrs": info.get("cidrs", ["0.0.0.0/0"]),
        }

    def handle(self, op, params):
        if op == "GetBlueprints":
            return {"blueprints": blueprint_list()}
        if op == "GetBundles":
            return {"bundles": bundle_list()}
        if op == "GetRegions":
            zones = [{"zoneName": z, "state": "available"} for z in ZONES]
            return {"regions": [{"name": REGION, "displayName": "Virginia", "availabilityZones": zones}]}
        if op == "CreateInstances":
            zone, blueprint, bundle = params["availabilityZone"], params["blueprintId"], params["bundleId"]
            if zone not in ZONES:
                raise Fail("InvalidInputException", f"{zone} is not an Availability Zone of {REGION}")
            if blueprint not in self.blueprints:
                raise Fail("InvalidInputException", f"The blueprint ID is not valid: {blueprint}")
            if bundle not in self.bundles:
                raise Fail("InvalidInputException", f"The bundle ID is not valid: {bundle}")
            for name in params["instanceNames"]:
                if not NAME.match(name) or name in self.instances:
                    raise Fail("InvalidInputException", f"The instance name is not valid or already in use: {name}")
            for name in params["instanceNames"]:
                default_ports = [
                    {"fromPort": p, "toPort": p, "protocol": "tcp", "cidrs": ["0.0.0.0/0"]} for p in (22, 80)
                ]
                self.instances[name] = {"zone": zone, "blueprint": blueprint, "bundle": bundle, "ports": default_ports}
            return {
                "operations": [self.operation(n, "Instance", "CreateInstance", zone) for n in params["instanceNames"]]
            }
        if op == "AllocateStaticIp":
            name = params["staticIpName"]
            if not NAME.match(name) or name in self.static_ips:
                raise Fail("InvalidInputException", f"The static IP name is not valid or already in use: {name}")
            self.static_ips[name] = {"ipAddress": f"203.0.113.{10 + len(self.static_ips)}", "attachedTo": None}
            return {"operations": [self.operation(name, "StaticIp", "AllocateStaticIp")]}
        if op == "AttachStaticIp":
            name, instance = params["staticIpName"], params["instanceName"]
            if name not in self.static_ips:
                raise Fail("NotFoundException", f"The StaticIp does not exist: {name}")
            self.instance(instance)
            self.static_ips[name]["attachedTo"] = instance
            return {
                "operations": [
                    self.operation(name, "StaticIp", "AttachStaticIp"),
                    self.operation(instance, "Instance", "AttachStaticIp"),
                ]
            }
        if op in ("OpenInstancePublicPorts", "PutInstancePublicPorts", "CloseInstancePublicPorts"):
            item = self.instance(params["instanceName"])
            if op == "PutInstancePublicPorts":
                item["ports"] = [self.check_port(p) for p in params["portInfos"]]
            else:
                port = self.check_port(params["portInfo"])
                item["ports"] = [
                    p
                    for p in item["ports"]
                    if (p["fromPort"], p["toPort"], p["protocol"])
                    != (port["fromPort"], port["toPort"], port["protocol"])
                ]
                if op == "OpenInstancePublicPorts":
                    item["ports"].append(port)
            return {"operation": self.operation(params["instanceName"], "Instance", op)}
        if op == "GetInstance":
            return {"instance": self.describe(params["instanceName"])}
        if op == "GetInstances":
            return {"instances": [self.describe(n) for n in self.instances]}
        if op == "GetInstanceState":
            self.instance(params["instanceName"])
            return {"state": {"code": 16, "name": "running"}}
        if op == "GetInstancePortStates":
            ports = self.instance(params["instanceName"])["ports"]
            return {"portStates": [dict(p, state="open") for p in ports]}
        if op in ("GetStaticIp", "GetStaticIps"):
            found = [
                {
                    "name": n,
                    "ipAddress": i["ipAddress"],
                    "attachedTo": i["attachedTo"],
                    "isAttached": i["attachedTo"] is not None,
                    "location": {"availabilityZone": "all", "regionName": REGION},
                    "resourceType": "StaticIp",
                }
                for n, i in self.static_ips.items()
            ]
            if op == "GetStaticIps":
                return {"staticIps": found}
            match = [s for s in found if s["name"] == params["staticIpName"]]
            if not match:
                raise Fail("NotFoundException", f"The StaticIp does not exist: {params['staticIpName']}")
            return {"staticIp": match[0]}
        if op == "GetOperation":
            return {"operation": self.operation("", "Instance", "GetOperation")}
        return {}  # anything else: a plain success, recorded like every call


def plain(value, depth=0):
    """A JSON-safe copy of call parameters (the student may pass anything)."""
    if depth > 8:
        return "..."
    if isinstance(value, dict):
        return {str(k)[:100]: plain(v, depth + 1) for k, v in list(value.items())[:50]}
    if isinstance(value, (list, tuple)):
        return [plain(v, depth + 1) for v in list(value)[:50]]
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, str):
        return value[:300]
    return repr(value)[:100]


calls = []
current = {}  # the call being made
reads = {}  # calls per operation
MAX_READS = 20  # Get* calls recorded per operation; the rest are only counted
fake = FakeLightsail()


def record(params, model, **kwargs):
    global current
    current = {"operation": model.name, "params": plain(params), "sent": False}
    report = ParamValidator().validate(params, model.input_shape)  # the same check botocore makes next
    if report.has_errors():
        current["error"] = "ParamValidationError: " + "; ".join(report.generate_report().splitlines())[:400]
    reads[model.name] = reads.get(model.name, 0) + 1
    if not (model.name.startswith("Get") and reads[model.name] > MAX_READS):  # a polling loop stays small
        calls.append(current)


def answer(model, params, **kwargs):
    call = current
    call["sent"] = True
    http = AWSResponse(f"https://lightsail.{REGION}.amazonaws.com/", 200, {}, None)
    try:
        return http, fake.handle(model.name, call["params"])
    except Exception as failure:
        code = failure.code if isinstance(failure, Fail) else "InvalidInputException"
        call["error"] = f"{code}: {failure}"[:300]
        http.status_code = 400
        return http, {
            "Error": {"Code": code, "Message": str(failure)[:300]},
            "ResponseMetadata": {"HTTPStatusCode": 400},
        }


session = boto3.session.Session(
    aws_access_key_id="AKIAFAKEFAKEFAKEFAKE", aws_secret_access_key="fake", region_name=REGION
)
client = session.client("lightsail")
client.meta.events.register("before-parameter-build.lightsail.*", record)
client.meta.events.register("before-call.lightsail.*", answer)

result = {"calls": calls}
try:
    from deploy import deploy
except Exception as exc:
    result["import_error"] = f"{type(exc).__name__}: {exc}"[:500]
else:
    try:
        deploy(client)
    except Exception as exc:
        result["deploy_error"] = f"{type(exc).__name__}: {exc}"[:500]
for call in calls:
    if not call["sent"] and "error" not in call:
        call["error"] = "not sent (see deploy_error)"
result["calls"] = calls[:200]
result["reads"] = reads
line = json.dumps(result, default=repr)
if len(line) > 200_000:  # oversized parameters: keep the order of calls, drop what they carried
    result["calls"] = [{**c, "params": {}} for c in result["calls"]]
    result["trimmed"] = True
    line = json.dumps(result, default=repr)
print("SPINUP-OBSERVATIONS " + line)
