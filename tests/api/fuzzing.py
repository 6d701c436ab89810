"""Generated requests against the API, operation by operation (schemathesis + hypothesis).

Each operation gets `FUZZ_EXAMPLES` schema-conforming requests (20 unless
set) and `FUZZ_NEGATIVE_EXAMPLES` deliberately broken ones, sent to the real
WSGI application with a token. Every answer is checked: no 5xx, a status
code the OpenAPI document declares, its content type, and a body valid
against the declared schema. Ids in paths and bodies are swapped for seeded
ones on a coin toss, so requests reach the services and their state checks.

The seed: `FUZZ_SEED` when set; in CI (`CI` set) a fixed one, so CI replays
the same requests; otherwise a random one, printed, so a developer's run
explores new requests and a failure can be replayed with `FUZZ_SEED=<seed>`.
"""

import os
import random
from collections import defaultdict
from dataclasses import dataclass, field

from hypothesis import HealthCheck, Phase, assume, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.core.parameters import ParameterLocation
from schemathesis.generation.meta import ComponentInfo
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

FIXED_SEED = 20261207
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "20"))
NEGATIVE_EXAMPLES = int(os.environ.get("FUZZ_NEGATIVE_EXAMPLES", "8"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def fuzz_seed() -> int:
    if os.environ.get("FUZZ_SEED"):
        return int(os.environ["FUZZ_SEED"])
    if os.environ.get("CI"):
        return FIXED_SEED
    return random.randrange(2**32)


@dataclass
class FuzzReport:
    seed: int
    statuses: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    positive: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    failures: dict[str, str] = field(default_factory=dict)

    @property
    def requests(self) -> int:
        return sum(len(codes) for codes in self.statuses.values())

    def positive_counts(self) -> dict[str, int]:
        """Schema-conforming requests sent to each operation."""
        return dict(self.positive)

    def summary(self) -> str:
        fives = sum(1 for codes in self.statuses.values() for code in codes if code >= 500)
        fewest = min(self.positive.values(), default=0)
        return (
            f"seed {self.seed}: {self.requests} requests over {len(self.statuses)} operations "
            f"(at least {fewest} schema-conforming each), {fives} 5xx, "
            f"{len(self.failures)} operations failing"
        )


def with_known_ids(value, ids: dict, data):
    """Swap ids the request names for seeded ones, on a coin toss each."""
    if isinstance(value, dict):
        swapped = {}
        for key, item in value.items():
            if key in ids and isinstance(item, str) and data.draw(st.booleans()):
                swapped[key] = data.draw(st.sampled_from(ids[key]))
            elif key in ids and isinstance(item, list) and data.draw(st.booleans()):
                swapped[key] = data.draw(
                    st.lists(st.sampled_from(ids[key]), min_size=1, max_size=3)
                )
            else:
                swapped[key] = with_known_ids(item, ids, data)
        return swapped
    if isinstance(value, list):
        return [with_known_ids(item, ids, data) for item in value]
    return value


def with_known_pair(path_parameters: dict, pairs: dict, data) -> dict:
    """For paths naming two ids that belong together (a task and its checklist item),
    use a real pair on a coin toss."""
    for names, values in pairs.items():
        if all(name in path_parameters for name in names) and data.draw(st.booleans()):
            path_parameters.update(zip(names, data.draw(st.sampled_from(values)), strict=True))
    return path_parameters


def our_token_replaces_a_broken_one(case) -> None:
    """A negative case may break the Authorization header, which our token then replaces:
    the headers sent are valid. Say so, so that the negative-data check judges the other
    components only, and skip the case when nothing else was broken."""
    meta = case.meta
    if meta is None or not meta.is_negative_at(ParameterLocation.HEADER):
        return
    generated = {name.lower() for name in (case.headers or {})}
    if generated - {"authorization"}:
        return  # another header is broken too: it is sent as generated
    meta.components[ParameterLocation.HEADER] = ComponentInfo(mode=GenerationMode.POSITIVE)
    assume(any(info.mode.is_negative for info in meta.components.values()))


def fuzz_operations(
    schema,
    *,
    token: str,
    ids: dict,
    pairs: dict | None = None,
    examples: int = EXAMPLES,
    negative_examples: int = NEGATIVE_EXAMPLES,
    reject_negative_data: bool = True,
    seed: int | None = None,
) -> FuzzReport:
    """Fuzz each operation of `schema` in turn; failures are collected, not raised."""
    report = FuzzReport(seed=fuzz_seed() if seed is None else seed)
    headers = {"Authorization": f"Bearer {token}"}
    negative_checks = [*CHECKS, negative_data_rejection] if reject_negative_data else CHECKS
    for result in schema.get_all_operations():
        operation = result.ok()
        runs = [(GenerationMode.POSITIVE, examples, CHECKS)]
        if negative_examples:
            runs.append((GenerationMode.NEGATIVE, negative_examples, negative_checks))
        for mode, count, checks in runs:
            try:
                _fuzz_one(operation, mode, count, checks, headers, ids, pairs or {}, report)
            except (Exception, BaseExceptionGroup) as failure:  # the others still run
                report.failures[f"{operation.label} ({mode.value})"] = str(failure)[:3000]
    return report


def _fuzz_one(operation, mode, count, checks, headers, ids, pairs, report) -> None:
    label = operation.label

    @given(case=operation.as_strategy(generation_mode=mode), data=st.data())
    @settings(
        max_examples=count,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],  # no shrinking: the failing case is shown
        suppress_health_check=list(HealthCheck),
    )
    @hypothesis_seed(report.seed)
    def call_one(case, data):
        if case.path_parameters:
            case.path_parameters = with_known_pair(
                with_known_ids(case.path_parameters, ids, data), pairs, data
            )
        if mode is GenerationMode.POSITIVE and isinstance(case.body, dict):
            case.body = with_known_ids(case.body, ids, data)
        if mode is GenerationMode.NEGATIVE:
            our_token_replaces_a_broken_one(case)
        response = case.call(headers=headers)
        report.statuses[label].append(response.status_code)
        if mode is GenerationMode.POSITIVE:
            report.positive[label] += 1
        case.validate_response(response, checks=checks)

    call_one()
