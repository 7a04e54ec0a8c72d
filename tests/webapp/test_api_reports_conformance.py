"""The report operations answer as the OpenAPI document declares when a leader calls them (the API-wide
conformance test calls with the desk's token, which every report refuses with 403): generated queries, valid
and invalid, on dossiers received and worked through the API, get a declared status, content type and body,
and never a server error. Deterministic and bounded."""
from __future__ import annotations

import pytest

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import given, HealthCheck, settings  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.generation import GenerationMode  # noqa: E402
from schemathesis.specs.openapi.checks import (  # noqa: E402
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from apicalls import token_for  # noqa: E402
from test_api_reports import worked  # noqa: E402,F401 - the fixture: dossiers received and worked through the API

# Not positive_data_acceptance: `from` after `to` is valid for each parameter alone and refused (400) together.
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          negative_data_rejection]


PATHS = ["/reports/summary", "/reports/indicators"]


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=["valid", "invalid"])
def test_every_report_answer_is_one_the_document_declares(app, client, worked, path, mode):  # noqa: F811
    headers = {"Authorization": f"Bearer {token_for(client, 'lanhdao.tinh')}"}
    operation = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)[path]["GET"]
    statuses = []

    @given(operation.as_strategy(generation_mode=mode))
    @settings(max_examples=20, derandomize=True, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    def check(case):
        response = case.call(headers=headers)
        statuses.append(response.status_code)
        case.validate_response(response, checks=CHECKS)

    check()
    # valid queries reach the report (some pairs of dates are refused together; unit ids may be another's or
    # none); invalid ones are refused (negative_data_rejection checks each case the generator really spoiled)
    if mode == GenerationMode.POSITIVE:
        assert 200 in statuses and not set(statuses) - {200, 400, 403, 404}, statuses
    else:
        assert 400 in statuses, statuses
