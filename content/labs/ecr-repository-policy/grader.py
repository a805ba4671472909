"""Grader for ecr-repository-policy: runs the student's setup(ecr) against moto, then judges what it built.

moto runs in a sandbox of its own (service/lab_service.py), which reads the registry back after the
student's process has exited; nothing the student's process prints counts.

The lifecycle policy the student attached comes back as text. It is validated here against ECR's rules for
policies and then applied, by the trusted evaluator below, to a hidden set of images (tags and push ages)
from hidden/images.json; which images it would expire is compared with hidden/expected.json.

Evaluation follows the ECR lesson (and AWS's "filtering on multiple rules" examples): every rule selects
the images matching its tag criteria; imageCountMoreThan N marks all but the N most recently pushed of them,
sinceImagePushed N marks those pushed more than N days ago; rules are applied in rulePriority order, and an
image that matched the tag criteria of a higher-priority rule (expired or kept by it) can't be expired by a
lower-priority one. Each image is expired at most once.
"""

import json

from labs.grading import Check, Run, run_trouble

GROUPS = [  # (group in hidden data, check name, points, what the group holds, the requirement in plain words)
    (
        "release",
        "release images",
        2,
        "release images",
        "keep only the 5 most recently pushed images with a tag starting 'release-'",
    ),
    ("untagged", "untagged images", 2, "untagged images", "expire untagged images pushed more than 7 days ago"),
    ("other", "image cap", 2, "other tagged images", "keep at most 20 images in all, with that rule evaluated last"),
]
RULE_KEYS = {"rulePriority", "description", "selection", "action"}
SELECTION_KEYS = {"tagStatus", "tagPrefixList", "tagPatternList", "countType", "countUnit", "countNumber"}
TAG_STATUSES = ("tagged", "untagged", "any")
COUNT_TYPES = ("imageCountMoreThan", "sinceImagePushed")
MAX_RULES = 50  # ECR's limit on rules per policy
MAX_TAG_FILTERS = 100
MAX_FILTER_CHARS = 300
MAX_WILDCARDS = 4  # per tagPatternList entry


def plan(ctx):
    harness = {"run_setup.py": ctx.lab_file("harness/run_setup.py")}
    return [Run("setup", ["python3", "run_setup.py"], harness, service=ctx.service())]


EXAMPLES_NOTE = (
    "Your code ran once against a fresh emulated account; what it printed and what the account holds "
    "afterwards are below. Nothing was checked: the checks run when you submit."
)


def examples(ctx):
    """The Run button: a dry run against a fresh emulated account, its output shown, nothing judged."""
    return plan(ctx)


# ---------------------------------------------------------------- helpers


def is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def short(value, limit=120):
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def wildcard_match(pattern, text):
    """`*` matches any run of characters (including none); everything else literally. Linear-time, no regex."""
    p = t = 0
    star = mark = -1
    while t < len(text):
        if p < len(pattern) and pattern[p] != "*" and pattern[p] == text[t]:
            p += 1
            t += 1
        elif p < len(pattern) and pattern[p] == "*":
            star, mark = p, t
            p += 1
        elif star >= 0:
            p = star + 1
            mark += 1
            t = mark
        else:
            return False
    while p < len(pattern) and pattern[p] == "*":
        p += 1
    return p == len(pattern)


# ---------------------------------------------------------------- policy validation


class Rule:
    def __init__(self, priority, status, prefixes, patterns, count_type, count):
        self.priority, self.status = priority, status
        self.prefixes, self.patterns = prefixes, patterns
        self.count_type, self.count = count_type, count


def _tag_list(selection, key, where, problems):
    values = selection[key]
    if not isinstance(values, list) or not values:
        problems.append(f"{where}.{key} must be a non-empty list of strings")
        return None
    if len(values) > MAX_TAG_FILTERS:
        problems.append(f"{where}.{key} has more than {MAX_TAG_FILTERS} entries")
        return None
    for value in values:
        if not isinstance(value, str) or not value or len(value) > MAX_FILTER_CHARS:
            problems.append(f"{where}.{key} must hold non-empty strings (found {short(value, 40)})")
            return None
        if key == "tagPatternList" and value.count("*") > MAX_WILDCARDS:
            problems.append(
                f"{where}.tagPatternList entry {short(value, 40)} has more than {MAX_WILDCARDS} '*' wildcards"
            )
            return None
    return list(values)


def parse_policy(text):
    """(rules, schema problems, priority problems) for a lifecycle policy's text; never raises."""
    if not isinstance(text, str):
        return None, ["the policy is not text"], []
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:
        return None, [f"the policy is not valid JSON ({short(str(exc), 80)})"], []
    if not isinstance(data, dict):
        return None, ['the policy must be a JSON object like {"rules": [...]}'], []
    problems, priority_problems = [], []
    extra = sorted(set(data) - {"rules"})
    if extra:
        problems.append(f'unknown top-level field {short(extra[0], 40)} (a policy holds only "rules")')
    raw_rules = data.get("rules")
    if not isinstance(raw_rules, list) or not raw_rules:
        problems.append('"rules" must be a non-empty list')
        return None, problems, priority_problems
    if len(raw_rules) > MAX_RULES:
        return None, [*problems, f"more than {MAX_RULES} rules"], priority_problems
    rules = []
    for index, raw in enumerate(raw_rules):
        where = f"rules[{index}]"
        if not isinstance(raw, dict):
            problems.append(f"{where} must be an object")
            continue
        unknown = sorted(set(raw) - RULE_KEYS)
        if unknown:
            problems.append(f"{where} has an unknown field {short(unknown[0], 40)}")
        for key in ("selection", "action"):
            if key not in raw:
                problems.append(f'{where} is missing "{key}"')
        if "description" in raw and not isinstance(raw["description"], str):
            problems.append(f"{where}.description must be a string")
        priority = raw.get("rulePriority")
        if "rulePriority" not in raw:
            priority_problems.append(f"{where} has no rulePriority")
        elif not is_int(priority) or priority < 1:
            priority_problems.append(
                f"{where}.rulePriority must be a positive whole number (found {short(priority, 30)})"
            )
        action = raw.get("action")
        if "action" in raw:
            if not isinstance(action, dict) or set(action) != {"type"}:
                problems.append(f'{where}.action must be {{"type": "expire"}}')
            elif action["type"] != "expire":
                problems.append(f'{where}.action.type must be "expire" (found {short(action["type"], 30)})')
        selection = raw.get("selection")
        if "selection" not in raw:
            continue
        if not isinstance(selection, dict):
            problems.append(f"{where}.selection must be an object")
            continue
        where = f"{where}.selection"
        unknown = sorted(set(selection) - SELECTION_KEYS)
        if unknown:
            problems.append(f"{where} has an unknown field {short(unknown[0], 40)}")
        status = selection.get("tagStatus")
        if status not in TAG_STATUSES:
            problems.append(f"{where}.tagStatus must be one of tagged, untagged, any (found {short(status, 30)})")
        prefixes = patterns = None
        has_prefix, has_pattern = "tagPrefixList" in selection, "tagPatternList" in selection
        if status == "tagged":
            if has_prefix and has_pattern:
                problems.append(f"{where}: use either tagPrefixList or tagPatternList in one rule, not both")
            elif not (has_prefix or has_pattern):
                problems.append(f"{where}: a 'tagged' rule needs a tagPrefixList or a tagPatternList")
            elif has_prefix:
                prefixes = _tag_list(selection, "tagPrefixList", where, problems)
            else:
                patterns = _tag_list(selection, "tagPatternList", where, problems)
        elif status in ("untagged", "any") and (has_prefix or has_pattern):
            problems.append(
                f"{where}: a rule with tagStatus '{status}' can't list tags (tag lists belong to 'tagged' rules)"
            )
        count_type = selection.get("countType")
        count = selection.get("countNumber")
        if count_type not in COUNT_TYPES:
            problems.append(
                f"{where}.countType must be imageCountMoreThan or sinceImagePushed (found {short(count_type, 30)})"
            )
        if not is_int(count) or count < 1:
            problems.append(f"{where}.countNumber must be a positive whole number (found {short(count, 30)})")
        if count_type == "sinceImagePushed" and selection.get("countUnit") != "days":
            problems.append(f'{where}: sinceImagePushed needs "countUnit": "days"')
        if count_type == "imageCountMoreThan" and "countUnit" in selection:
            problems.append(f"{where}: countUnit is only for sinceImagePushed, not imageCountMoreThan")
        rules.append(Rule(priority, status, prefixes, patterns, count_type, count))
    untagged = sum(1 for rule in rules if rule.status == "untagged")
    if untagged > 1:
        problems.append(f"{untagged} rules select untagged images; only one may")
    if not priority_problems:
        priorities = [rule.priority for rule in rules]
        if len(set(priorities)) != len(priorities):
            priority_problems.append("two rules share a rulePriority; each must be unique")
        top = max(priorities, default=0)
        for rule in rules:
            if rule.status == "any" and rule.priority != top:
                priority_problems.append(
                    f"the tagStatus 'any' rule has rulePriority {rule.priority}, but it must have the highest number ({top} is higher) so it is evaluated last"
                )
    return rules, problems, priority_problems


# ---------------------------------------------------------------- evaluation (trusted)


def selects(rule, image):
    tags = image["tags"]
    if rule.status == "any":
        return True
    if rule.status == "untagged":
        return not tags
    if not tags:
        return False
    if rule.prefixes is not None:
        return all(any(tag.startswith(prefix) for tag in tags) for prefix in rule.prefixes)
    return all(any(wildcard_match(pattern, tag) for tag in tags) for pattern in rule.patterns)


def expired_images(rules, images):
    """The ids of the images this policy expires."""
    expired, protected = set(), set()
    for rule in sorted(rules, key=lambda r: r.priority):
        matched = [image for image in images if selects(rule, image)]
        if rule.count_type == "imageCountMoreThan":
            newest_first = sorted(matched, key=lambda image: image["pushed_days_ago"])
            marked = newest_first[rule.count :]
        else:
            marked = [image for image in matched if image["pushed_days_ago"] > rule.count]
        expired |= {image["id"] for image in marked if image["id"] not in protected}
        protected |= {image["id"] for image in matched}
    return expired


# ---------------------------------------------------------------- judging


def _scan_on_push(entry, registry):
    if entry.get("scan_on_push") is True:
        return True
    if not isinstance(registry, dict) or not isinstance(registry.get("rules"), list):
        return False
    for rule in registry["rules"][:50]:
        if not isinstance(rule, dict) or rule.get("scanFrequency") not in ("SCAN_ON_PUSH", "CONTINUOUS_SCAN"):
            continue
        filters = rule.get("repositoryFilters")
        for item in filters[:50] if isinstance(filters, list) else []:
            if (
                isinstance(item, dict)
                and item.get("filterType", "WILDCARD") == "WILDCARD"
                and isinstance(item.get("filter"), str)
                and len(item["filter"]) <= 256
                and wildcard_match(item["filter"], entry["name"])
            ):
                return True
    return False


def judge(ctx, results):
    expected = ctx.hidden_json("expected.json")
    images = ctx.hidden_json("images.json")
    name = expected["repository"]
    run = results["setup"]
    seen = run.extra.get("state")  # read by the endpoint after the student's process exited
    if not isinstance(seen, dict):
        seen = {}
    trouble = run_trouble(run)
    if not trouble and (run.extra.get("state_error") or seen.get("read_error")):
        trouble = "the emulated registry could not be read back"

    entry = None
    for candidate in seen.get("repositories", []) if isinstance(seen.get("repositories"), list) else []:
        if isinstance(candidate, dict) and candidate.get("name") == name:
            entry = candidate
            break
    if entry is None:
        names = seen.get("repository_names") if isinstance(seen.get("repository_names"), list) else []
        names = [short(n, 60) for n in names[:5] if isinstance(n, str)]
        missing = f"no repository named '{name}' was created"
        if names:
            missing += f" (found: {', '.join(names)})"
        if trouble:
            missing += f"; {trouble}"
        brief = f"no repository named '{name}'"
        checks = [Check("scan on push", False, 0, 1, missing), Check("tag immutability", False, 0, 1, brief)]
        checks += [Check("lifecycle policy valid", False, 0, 1, brief), Check("rule priorities", False, 0, 1, brief)]
        checks += [Check(check, False, 0, points, brief) for _, check, points, _, _ in GROUPS]
        return checks

    checks = []
    suffix = f" ({trouble})" if trouble else ""
    scan = _scan_on_push(entry, seen.get("registry_scanning"))
    checks.append(
        Check(
            "scan on push",
            scan,
            1 if scan else 0,
            1,
            "images are scanned on push"
            if scan
            else "scan on push is off for the repository: set imageScanningConfiguration scanOnPush, or a registry scanning rule that covers it"
            + suffix,
        )
    )
    mutability = entry.get("tag_mutability")
    immutable = mutability == "IMMUTABLE"
    if immutable:
        message = "tags are immutable"
    elif mutability == "IMMUTABLE_WITH_EXCLUSION":
        message = "tags matching the exclusion filters could still be moved; the statement asks that no tag ever be overwritten (IMMUTABLE)"
    else:
        message = (
            f"tag mutability is {short(mutability, 40)}: a pushed tag could be overwritten; the statement asks for IMMUTABLE"
            + suffix
        )
    checks.append(Check("tag immutability", immutable, 1 if immutable else 0, 1, message))

    policy_text = entry.get("lifecycle_policy")
    if entry.get("policy_truncated") is True:
        rules, problems, priority_problems = None, ["the lifecycle policy is far longer than this task needs"], []
    elif policy_text is None:
        rules, problems, priority_problems = None, ["no lifecycle policy is attached to the repository" + suffix], []
    else:
        rules, problems, priority_problems = parse_policy(policy_text)
    if rules is None and not problems:
        problems = ["the lifecycle policy could not be read"]
    valid = not problems
    if valid:
        message = f"the policy has {len(rules)} well-formed rule(s)"
    else:
        message = problems[0] + (f" (and {len(problems) - 1} more problem(s))" if len(problems) > 1 else "")
    checks.append(Check("lifecycle policy valid", valid, 1 if valid else 0, 1, message))

    ordered = valid and not priority_problems
    if rules is None or not valid:
        message = "no well-formed policy to check the priorities of"
    elif priority_problems:
        message = priority_problems[0]
    else:
        message = "priorities are unique and the 'any' rule (if present) comes last"
    checks.append(Check("rule priorities", ordered, 1 if ordered else 0, 1, message))

    expired = expired_images(rules, images) if ordered else set()
    for group, check, points, label, requirement in GROUPS:
        members = [image["id"] for image in images if image["group"] == group]
        should_go = set(expected["expired"][group])
        if not ordered:
            why = "no lifecycle policy is attached" if policy_text is None else "ECR would reject this policy"
            checks.append(Check(check, False, 0, points, f"{why}, so nothing is cleaned up; needed: {requirement}"))
            continue
        wrongly_expired = sum(1 for i in members if i in expired and i not in should_go)
        wrongly_kept = sum(1 for i in members if i in should_go and i not in expired)
        if not wrongly_expired and not wrongly_kept:
            checks.append(Check(check, True, points, points, f"all {len(members)} test {label} handled right"))
            continue
        parts = []
        if wrongly_expired:
            parts.append(f"expire {wrongly_expired} that must stay")
        if wrongly_kept:
            parts.append(f"keep {wrongly_kept} that should go")
        checks.append(
            Check(
                check,
                False,
                0,
                points,
                f"of our {len(members)} test {label}, the policy would {' and '.join(parts)}; needed: {requirement}",
            )
        )
    return checks
