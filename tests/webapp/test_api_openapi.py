"""The OpenAPI document is generated from the code: every API route is in it, and it is a valid 3.1 document."""
from __future__ import annotations

import json
import re

from openapi_spec_validator import validate

API = "/api/v1"


def document(client):
    response = client.get(f"{API}/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def test_every_api_route_and_method_is_documented(app, client):
    paths = document(client)["paths"]
    routes = {(re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)[len(API):], method.lower())
              for rule in app.url_map.iter_rules() if rule.rule.startswith(API + "/")
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    documented = {(path, method) for path, operations in paths.items() for method in operations}
    assert routes and routes == documented


def test_document_is_valid_openapi_and_every_reference_resolves(client):
    spec = document(client)
    assert spec["openapi"].startswith("3.1")
    validate(spec)
    assert spec["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    refs = set(re.findall(r'"\$ref": "#/components/schemas/(\w+)"', json.dumps(spec)))
    assert refs and refs <= set(spec["components"]["schemas"])
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            assert operation["responses"], (path, method)
            names = re.findall(r"{(\w+)}", path)
            assert names == [p["name"] for p in operation["parameters"] if p["in"] == "path"], (path, method)


def test_public_lookup_and_token_issue_need_no_token_but_the_rest_does(client):
    paths = document(client)["paths"]
    assert paths[f"/public/dossiers/{{code}}"]["get"]["security"] == []
    assert paths[f"/tokens"]["post"]["security"] == []
    assert paths[f"/dossiers"]["post"]["security"] == [{"bearer": []}]
    assert "422" in paths[f"/dossiers"]["post"]["responses"]
