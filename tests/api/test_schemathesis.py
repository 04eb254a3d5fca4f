"""Schemathesis against /api/v1/openapi.json (issue #13, item 7): generated requests (valid and invalid) to
every operation, as a learner with a token; no 5xx, and every response matches the documented status codes,
content types, headers and schemas (all of schemathesis's checks but one,
see below). Bounded: a few dozen examples per operation, no deadline (CI machines vary)."""
from __future__ import annotations

import json

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from quizapp.api.openapi import openapi_document
from quizapp.auth.service import create_token
from quizapp.inputs import DEFAULT_BODY_LIMIT

# The document the app serves (tests/api/test_api_v1.py checks that it is), loaded once for collection; each
# operation's test then calls its own app (fresh database, the fixture pack, a learner's token).
schema = schemathesis.openapi.from_dict(openapi_document())
EXAMPLES = 20


@pytest.fixture
def api(app, db, bank, make_user):
    app.config["ANSWER_LIMIT_PER_USER"] = "100000 per minute"  # the fuzzer is not a learner
    user = make_user("fuzz@example.org")
    secret = create_token(db.session, user, "schemathesis")[1]
    db.session.commit()
    return app, {"Authorization": f"Bearer {secret}"}


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_schema(case, api):
    app, headers = api
    case.operation.schema.app = app  # this test's app, also for the checks' own probe requests
    # positive_data_acceptance: a response's shape depends on the card's type ({"choice": 1}, {"knew": true},
    # {"text": ...}), which one schema cannot say; a schema-valid body for the wrong type is rightly a 400.
    response = case.call(headers=headers, app=app)
    if response.status_code == 413:  # a body over the route's limit (quizapp.inputs), refused before parsing:
        sent = json.dumps(case.body).encode() if isinstance(case.body, (dict, list, str)) else b""
        assert len(sent) > DEFAULT_BODY_LIMIT  # the right refusal (not one of the 4xx schemathesis expects)
        return
    case.validate_response(response, headers=headers, excluded_checks=[positive_data_acceptance],
                           transport_kwargs={"app": app, "headers": headers})
