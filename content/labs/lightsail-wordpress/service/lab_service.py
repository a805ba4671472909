"""Trusted (runs in the grading's endpoint sandbox, never with student code): a small stand-in for Lightsail.

moto has no Lightsail, so wsgi_app() serves this one. It speaks Lightsail's JSON protocol (a POST whose
`X-Amz-Target: Lightsail_20161128.<Operation>` names the call), checks each call's parameters against
botocore's own model of the API (a client that skipped its own validation is caught here), answers from a
little in-memory Lightsail, and records every call with its parameters and outcome. collect() hands the
record, kept in this process's memory, to the grader once the student's process has exited.
"""

import datetime
import json
import re
import threading

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


class Fail(Exception):  # noqa: N818 - an answer of the service, not a bug
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


MAX_BODY = 256 * 1024
MAX_CALLS = 200
MAX_READS = 20  # Get* calls recorded per operation; the rest are only counted (a polling loop stays small)
TARGET = "Lightsail_20161128."
LOCK = threading.Lock()
CALLS = []
READS = {}
FAKE = FakeLightsail()


def plain(value, depth=0):
    """A JSON-safe, capped copy of call parameters."""
    if depth > 8:
        return "..."
    if isinstance(value, dict):
        return {str(k)[:100]: plain(v, depth + 1) for k, v in list(value.items())[:50]}
    if isinstance(value, list):
        return [plain(v, depth + 1) for v in value[:50]]
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, str):
        return value[:300]
    return repr(value)[:100]


def model():
    import botocore.session

    return botocore.session.get_session().get_service_model("lightsail")


def wire(value):
    """Response data as the JSON protocol sends it: timestamps as epoch seconds."""
    if isinstance(value, datetime.datetime):
        return value.timestamp()
    raise TypeError(type(value).__name__)


def wsgi_app():
    from botocore.validate import ParamValidator

    service = model()
    operations = set(service.operation_names)

    def reply(start_response, status, data):
        payload = json.dumps(data, default=wire).encode()
        headers = [("Content-Type", "application/x-amz-json-1.1"), ("Content-Length", str(len(payload)))]
        if status != 200:
            headers.append(("x-amzn-ErrorType", data["__type"]))
        start_response(f"{status} {'OK' if status == 200 else 'Bad Request'}", headers)
        return [payload]

    def fail(start_response, call, code, message):
        if call is not None:
            call["error"] = f"{code}: {message}"[:400]
        return reply(start_response, 400, {"__type": code, "message": message[:400]})

    def app(environ, start_response):
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        operation = target[len(TARGET) :] if target.startswith(TARGET) else ""
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = -1
        if environ.get("REQUEST_METHOD") != "POST" or operation not in operations:
            return fail(start_response, None, "UnknownOperationException", f"unknown operation {target[:80]!r}")
        with LOCK:
            READS[operation] = READS.get(operation, 0) + 1
            call = {"operation": operation, "params": {}, "error": None}
            if not (operation.startswith("Get") and READS[operation] > MAX_READS) and len(CALLS) < MAX_CALLS:
                CALLS.append(call)
            if not 0 <= length <= MAX_BODY:
                return fail(start_response, call, "InvalidInputException", "the request body is too large")
            raw = environ["wsgi.input"].read(length) if length else b"{}"
            try:
                params = json.loads(raw or b"{}")
            except (ValueError, RecursionError):
                return fail(start_response, call, "SerializationException", "the request body is not JSON")
            call["params"] = plain(params)
            if not isinstance(params, dict):
                return fail(start_response, call, "SerializationException", "the request body is not a JSON object")
            report = ParamValidator().validate(params, service.operation_model(operation).input_shape)
            if report.has_errors():
                text = "; ".join(report.generate_report().splitlines())
                return fail(start_response, call, "InvalidInputException", f"ParamValidationError: {text}")
            try:
                return reply(start_response, 200, FAKE.handle(operation, params))
            except Fail as failure:
                return fail(start_response, call, failure.code, str(failure))
            except Exception as exc:  # anything the stand-in did not foresee: the service refuses it
                return fail(start_response, call, "InvalidInputException", f"{type(exc).__name__}: {exc}")

    return app


def collect(endpoint, infra):
    with LOCK:
        return {"calls": list(CALLS), "reads": dict(READS)}
