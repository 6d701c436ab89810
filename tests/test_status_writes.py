"""No code outside the transition functions writes a run's, task's or design's status.

The original system's bugs came from code that went around its workflow
layer. Here `production/states.py`, `work/states.py` and `catalog/states.py`
are the only writers; this test reads every other module under `src/` and
fails on anything that looks like a status write:

- `obj.status = …` (also `+=`, annotated), `setattr(obj, "status", …)`;
- `status=` given to `.update()`, `.create()`, `.get_or_create()`,
  `.update_or_create()`, `.bulk_update()` or to a `ProductionRun`, `Task` or
  `Design` constructor; a `{"status": …}` dict given to one of them, directly,
  as `defaults=`, or as `**values` after `values = {"status": …}` or
  `values["status"] = …` in the same function;
- `"status"` in `update_fields=` or in `bulk_update()`'s fields, or in a `…FIELDS`
  tuple of editable fields;
- raw SQL that sets a `status` column.

The scanner itself is tested on planted violations below, so it cannot
silently stop finding them.
"""

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src" / "loomworks"

# The transition functions: the only modules allowed to write statuses.
TRANSITION_MODULES = {"production/states.py", "work/states.py", "catalog/states.py"}

# Writes of something else that happens to be called `status`. Each entry is
# (module, a piece of the offending line, why it is fine). An entry that no
# longer matches anything fails the test, so the list cannot go stale.
# (The outbox's deliveries have a `state`, not a `status`: nothing to allow.)
ALLOWED = [
    (
        "partners/services.py",
        "PARTNER_FIELDS = (",
        "a partner's active/inactive/pending flag (among its editable profile fields), "
        "not a run/task/design status",
    ),
    (
        "partners/services.py",
        "status=status",
        "creating a partner with its active/inactive/pending flag",
    ),
    # An import is not a transition: the Medusa importer writes each partner,
    # design, run and task in the status it had there (and, on a second import,
    # as it is there now, for runs Loomworks has not moved since), and leaves a
    # history row "imported" on every run saying so.
    (
        "importers/medusa/importer.py",
        'changed, ["name", "status", "updated_at"]',
        "a partner's active/inactive/pending flag, as it is in Medusa",
    ),
    (
        "importers/medusa/importer.py",
        'Design(external_ref=row["id"], status=status',
        "a design created in the status it has in Medusa",
    ),
    (
        "importers/medusa/importer.py",
        'ProductionRun(external_ref=m.row["id"], status=m.run_status',
        "a run created in the status it has in Medusa, with its `imported` history row",
    ),
    (
        "importers/medusa/importer.py",
        "run.status = m.run_status",
        "a run re-imported while Loomworks has not moved it: the status Medusa has now",
    ),
    (
        "importers/medusa/importer.py",
        'changed, ["status", *RUN_KEYS',
        "writing those re-imported runs",
    ),
    (
        "importers/medusa/importer.py",
        'Task(external_ref=row["id"], status=status',
        "a task created in the status it has in Medusa",
    ),
    (
        "importers/medusa/importer.py",
        "task.status = status",
        "a task of a re-imported run (one Loomworks has not moved): the status Medusa has now",
    ),
    (
        "importers/medusa/importer.py",
        'changed, ["status", *TASK_KEYS',
        "writing those re-imported tasks",
    ),
    (
        "core/errors.py",
        "self.status = status",
        "TransitionNotAllowed carries the status it refused from; not a model",
    ),
]

WRITE_METHODS = {"update", "create", "get_or_create", "update_or_create", "bulk_update"}
STATUS_MODELS = {"ProductionRun", "Task", "Design"}


@dataclass(frozen=True)
class Violation:
    path: str
    line: int
    rule: str
    source: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.rule}: {self.source.strip()}"


def _is_status(node) -> bool:
    return isinstance(node, ast.Constant) and node.value == "status"


def _dict_sets_status(node) -> bool:
    return isinstance(node, ast.Dict) and any(_is_status(key) for key in node.keys)


def _sequence_has_status(node) -> bool:
    return isinstance(node, ast.List | ast.Tuple | ast.Set) and any(
        _is_status(element) for element in node.elts
    )


def _call_name(call: ast.Call) -> str:
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return ""


def _is_write_call(call: ast.Call) -> bool:
    func = call.func
    if isinstance(func, ast.Attribute) and func.attr in WRITE_METHODS:
        return True
    return _call_name(call) in STATUS_MODELS


class _Scanner(ast.NodeVisitor):
    def __init__(self, path: str, lines: list[str]):
        self.path = path
        self.lines = lines
        self.found: list[Violation] = []
        self.status_dicts: list[set[str]] = [set()]  # names holding {"status": …}, per scope

    def report(self, node, rule: str) -> None:
        line = getattr(node, "lineno", 0)
        source = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
        self.found.append(Violation(self.path, line, rule, source))

    # Scopes: a name set to a status dict counts within its function.
    def _scoped(self, node):
        self.status_dicts.append(set())
        self.generic_visit(node)
        self.status_dicts.pop()

    visit_FunctionDef = visit_AsyncFunctionDef = visit_Lambda = _scoped

    def _targets(self, targets, value, node) -> None:
        for target in targets:
            if isinstance(target, ast.Attribute) and target.attr == "status":
                self.report(node, "assigns .status")
            if isinstance(target, ast.Name) and _dict_sets_status(value):
                self.status_dicts[-1].add(target.id)
            if (
                isinstance(target, ast.Subscript)
                and _is_status(target.slice)
                and isinstance(target.value, ast.Name)
            ):
                self.status_dicts[-1].add(target.value.id)
            if (
                isinstance(target, ast.Name)
                and target.id.upper().endswith("FIELDS")
                and _sequence_has_status(value)
            ):
                self.report(node, '"status" among editable fields')

    def visit_Assign(self, node):
        self._targets(node.targets, node.value, node)
        self.generic_visit(node)

    def visit_AugAssign(self, node):
        self._targets([node.target], None, node)
        self.generic_visit(node)

    def visit_AnnAssign(self, node):
        self._targets([node.target], node.value, node)
        self.generic_visit(node)

    def visit_Call(self, node):
        name = _call_name(node)
        if name == "setattr" and len(node.args) >= 2 and _is_status(node.args[1]):
            self.report(node, 'setattr(…, "status", …)')
        if _is_write_call(node):
            for keyword in node.keywords:
                if keyword.arg == "status":
                    self.report(keyword, f"status= in {name}()")
                elif _dict_sets_status(keyword.value):
                    self.report(keyword, f'{{"status": …}} in {name}()')
                elif (
                    keyword.arg is None
                    and isinstance(keyword.value, ast.Name)
                    and any(keyword.value.id in scope for scope in self.status_dicts)
                ):
                    self.report(keyword, f"**{keyword.value.id} (holds status) in {name}()")
            for arg in node.args:
                if _dict_sets_status(arg):
                    self.report(arg, f'{{"status": …}} in {name}()')
                if name == "bulk_update" and _sequence_has_status(arg):
                    self.report(arg, "bulk_update of status")
        for keyword in node.keywords:
            written = keyword.arg == "update_fields" or (
                keyword.arg == "fields" and name == "bulk_update"
            )
            if written and _sequence_has_status(keyword.value):
                self.report(keyword, f'"status" in {keyword.arg}=')
        self.generic_visit(node)

    def visit_Constant(self, node):
        if isinstance(node.value, str):
            text = " ".join(node.value.lower().split())
            if "update " in text and " set " in text and "status" in text.split(" set ", 1)[1]:
                self.report(node, "raw SQL sets status")


def scan_source(text: str, path: str = "sample.py") -> list[Violation]:
    scanner = _Scanner(path, text.splitlines())
    scanner.visit(ast.parse(text))
    return scanner.found


def _allowed(violation: Violation) -> tuple | None:
    for entry in ALLOWED:
        module, snippet, _why = entry
        if violation.path == module and snippet in violation.source:
            return entry
    return None


def _modules():
    for path in sorted(SRC.rglob("*.py")):
        relative = path.relative_to(SRC).as_posix()
        if "/migrations/" in relative or relative in TRANSITION_MODULES:
            continue
        yield relative, path.read_text(encoding="utf-8")


def test_only_the_transition_functions_write_statuses():
    violations, used = [], set()
    for relative, text in _modules():
        for violation in scan_source(text, relative):
            entry = _allowed(violation)
            if entry is None:
                violations.append(str(violation))
            else:
                used.add(entry)
    assert violations == [], "status written outside the transition functions:\n" + "\n".join(
        violations
    )
    stale = [entry for entry in ALLOWED if entry not in used]
    assert stale == [], f"allowed writes that no longer exist: {stale}"


def test_the_scan_covers_the_code():
    modules = dict(_modules())
    assert "production/services/lifecycle.py" in modules
    assert "production/services/approval.py" in modules
    assert "production/subscribers.py" in modules
    assert "work/services.py" in modules
    assert "production/states.py" not in modules


# ---------------------------------------------------------------- the scanner finds what it should

PLANTED = {
    "attribute": "def f(run):\n    run.status = 'completed'\n    run.save()\n",
    "augmented": "def f(run):\n    run.status += ''\n",
    "annotated": "def f(task):\n    task.status: str = 'completed'\n",
    "setattr": "def f(run):\n    setattr(run, 'status', 'completed')\n",
    "queryset update": "ProductionRun.objects.filter(pk=1).update(status='cancelled')\n",
    "manager create": "Task.objects.create(title='x', status='completed')\n",
    "get_or_create defaults": "Design.objects.get_or_create(pk=1, defaults={'status': 'Approved'})\n",
    "update_or_create": "Task.objects.update_or_create(pk=1, status='completed')\n",
    "constructor": "run = ProductionRun(design=d, status='approved')\n",
    "dict unpacked inline": "Task.objects.filter(pk=1).update(**{'status': 'completed'})\n",
    "dict built then unpacked": (
        "def f(qs):\n    values = {'status': 'completed', 'updated_at': now}\n"
        "    qs.update(**values)\n"
    ),
    "dict key then unpacked": (
        "def f(qs, values):\n    values['status'] = 'completed'\n    qs.update(**values)\n"
    ),
    "update_fields": "def f(run):\n    run.save(update_fields=['status', 'updated_at'])\n",
    "bulk_update": "Task.objects.bulk_update(tasks, ['status'])\n",
    "bulk_update fields=": "Task.objects.bulk_update(tasks, fields=['status'])\n",
    "editable fields": "EDITABLE_FIELDS = ('quantity', 'status')\n",
    "raw sql": "cursor.execute('UPDATE production_productionrun SET status = %s WHERE id = %s')\n",
}


@pytest.mark.parametrize("sample", PLANTED.values(), ids=PLANTED.keys())
def test_the_scanner_finds_a_planted_status_write(sample):
    assert scan_source(sample), sample


def test_a_planted_write_in_a_real_module_fails_the_check():
    path = "production/services/lifecycle.py"
    text = (SRC / path).read_text(encoding="utf-8")
    planted = text + "\n\ndef sneaky(run):\n    run.status = 'completed'\n    run.save()\n"
    found = [v for v in scan_source(planted, path) if _allowed(v) is None]
    assert [(v.rule, v.source.strip()) for v in found] == [
        ("assigns .status", "run.status = 'completed'")
    ]


CLEAN = """
from loomworks.core.errors import TransitionNotAllowed

def reads(run, partner):
    runs = ProductionRun.objects.filter(status="approved").exclude(status__in=["cancelled"])
    index = models.Index(fields=["status", "-created_at"], name="run_status_created")
    label = status_label(run.status)
    payload = {"status": run.status, "run_id": run.pk}  # an API body, not a write
    publish("production_run.started", {"status": run.status})
    record_creation(run, actor=actor, status="pending_review")  # the transition module
    services.run_create(design=d, actor=a, status="draft")  # asks for the first status
    raise TransitionNotAllowed("no", status=run.status, action="start")

def other_scope(qs):
    qs.update(**payload)  # `payload` above is another function's name
"""


def test_the_scanner_leaves_reads_and_payloads_alone():
    assert scan_source(CLEAN) == []
