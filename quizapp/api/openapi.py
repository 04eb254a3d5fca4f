"""The OpenAPI 3.1 document of /api/v1. Tests validate it and check real responses against its schemas."""
from __future__ import annotations

from typing import Any


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}]}


INT = {"type": "integer"}
STR = {"type": "string"}
BOOL = {"type": "boolean"}
NUM = {"type": "number"}
DATETIME = {"type": "string", "format": "date-time"}
DATE = {"type": "string", "format": "date"}


def _object(properties: dict[str, Any], required: list[str] | None = None, extra: bool = False) -> dict[str, Any]:
    return {"type": "object", "properties": properties,
            "required": list(properties) if required is None else required, "additionalProperties": extra}


SCHEMAS: dict[str, Any] = {
    "Error": _object({"error": _object({"code": STR, "message": STR, "path": STR}, ["code", "message"])}),
    "Settings": _object({"desired_retention": NUM, "new_per_day": INT, "reviews_per_day": INT, "timezone": STR,
                         "rollover_hour": {"type": "integer", "minimum": 0, "maximum": 23}}),
    "Me": _object({"id": INT, "email": STR, "display_name": STR,
                   "role": {"type": "string", "enum": ["learner", "instructor", "admin"]},
                   "settings": _ref("Settings")}),
    "Counts": _object({"learning": INT, "review": INT, "new": INT, "done_today": INT, "remaining": INT}),
    "Pack": _object({"slug": STR, "title": STR, "questions": INT, "cards": INT, "due": _ref("Counts")}),
    "PackList": _object({"packs": {"type": "array", "items": _ref("Pack")}}),
    "Option": _object({"index": INT, "html": STR}),
    "Card": _object({
        "id": INT, "pack": STR, "question": STR, "card_key": STR,
        "type": {"type": "string", "description": "flashcard, cloze, single, multiple, truefalse, short, "
                                                  "ordering, matching, sim or lab"},
        "title": STR, "topic": STR, "tags": {"type": "array", "items": STR}, "prompt_html": STR,
        "options": {"type": "array", "items": _ref("Option"),
                    "description": "choices or items in display order; `index` is the authored index to send back"},
        "blanks": INT, "seed": INT, "back_html": _nullable(STR),
        "right_options": {"type": "array", "items": _object({"index": INT, "text": STR})},
        "ask": _nullable({"type": "string", "enum": ["endpoint", "name", "source_ip", "delivered", "outcome",
                                                     "command"],
                          "description": "sim questions: what to answer ({text}, {value}, {outcome}, or for "
                                         "`command` {verdict}: accepted or refused; the expected answer then "
                                         "carries Docker's message as `docker`)"}),
        "version": {"type": "string", "description": "the question's version (content hash); send it back with the "
                                                     "answer so it is graded against what was shown"},
        "lab": _object({"scenario": STR, "goals": {"type": "array", "items": STR},
                        "allow": {"type": "array", "items": STR}},
                       extra=False) | {"description": "lab questions: the starting scenario to edit, the goals to "
                                                      "meet and what may change; answer {\"scenario\": YAML}"},
    }, required=["id", "pack", "question", "card_key", "type", "title", "topic", "tags", "prompt_html", "options",
                 "blanks", "seed", "back_html", "ask", "version"]),
    "Next": _object({"card": _nullable(_ref("Card")), "counts": _ref("Counts"), "next_due": _nullable(DATETIME)}),
    "CardState": _object({
        "state": {"type": "integer", "enum": [1, 2, 3], "description": "1 Learning, 2 Review, 3 Relearning"},
        "step": _nullable(INT), "stability": _nullable(NUM), "difficulty": _nullable(NUM), "due": DATETIME,
        "last_review": _nullable(DATETIME), "reps": INT, "lapses": INT, "suspended": BOOL}),
    "Review": _object({
        "id": INT, "card_id": INT, "reviewed_at": DATETIME,
        "rating": {"type": "integer", "minimum": 1, "maximum": 4, "description": "1 Again, 2 Hard, 3 Good, 4 Easy"},
        "suggested_rating": _nullable({"type": "integer", "minimum": 1, "maximum": 4}),
        "correct": BOOL, "response_ms": _nullable(INT), "answer": {"description": "the response as sent"},
        "variant_seed": _nullable(INT), "state_before": _nullable(_ref("CardState")),
        "state_after": _ref("CardState")}),
    "ReviewEnvelope": _object({"review": _ref("Review")}),
    "Hop": _object({"where": STR, "what": STR,
                    "change": {"anyOf": [{"type": "object"}, STR, {"type": "null"}],
                               "description": "e.g. {\"type\": \"DNAT\", \"before\": \"10.96.0.10:80\", "
                                              "\"after\": \"10.244.1.5:8080\"}"}},
                   required=["where", "what"], extra=True),
    "Trace": _object({"delivered": BOOL, "hops": {"type": "array", "items": _ref("Hop")},
                      "reason": _nullable(STR), "source_ip_seen": _nullable(STR)},
                     required=["delivered", "hops"], extra=True),
    "TraceRequest": _object({
        "scenario": {"type": "string", "maxLength": 65536,
                     "description": "a scenario: multi-document YAML (manifests, kind: DockerHost); no anchors/aliases"},
        "scenario_id": {"type": "string", "description": "or a lab scenario id (`q12`, `ex-k8s-basic`) from /lab"},
        "from": {"type": "string", "description": "external[:IP], node/NAME, pod/NAME, pod/NS/NAME, container/NAME, "
                                                  "container/HOST/NAME or host/NAME"},
        "to": {"type": "string", "description": "HOST:PORT[/tcp|/udp], or a URL http[s]://HOST[:PORT]/PATH"},
        "seed": {"type": "integer", "minimum": 0, "description": "the load-balancing seed (default 0)"}},
        required=["from", "to"]),
    "TraceResult": _object({"trace": _ref("Trace"), "text": {"type": "string", "description": "as the CLI prints it"},
                            "warnings": {"type": "array", "items": STR}}),
    "AnswerRequest": _object({
        "card_id": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1},
        "seed": {"type": "integer", "minimum": 0, "maximum": 2**31 - 1,
                 "description": "the seed the card was shown with"},
        "response": {"type": "object", "description": "the checker's response shape, e.g. {\"choice\": 2}; "
                                                      "see docs/study.md"},
        "response_ms": {"type": "integer", "minimum": 0, "maximum": 2**31 - 1},
        "version": {"type": "string", "description": "the card's `version` as shown (a newer version of the pack may "
                                                     "be published meanwhile: the answer is graded as shown)"}},
        required=["card_id", "response"]),
    "AnswerResult": _object({
        "review": _ref("Review"), "correct": BOOL, "score": {"type": "number", "minimum": 0, "maximum": 1},
        "expected": {"description": "the answer key in the response's shape"}, "explanation_html": STR,
        "leech": {"type": "boolean", "description": "this answer suspended the card as a leech"},
        "trace": _nullable(_ref("Trace"))}),
    "RatingRequest": _object({"rating": {"type": "integer", "minimum": 1, "maximum": 4}}),
    "Undone": _object({"undone": _object({"card_id": INT, "seed": _nullable(INT), "pack": STR})}),
    "Stats": _object({
        "summary": _object({"reviews": INT, "reviews_today": INT, "correct": INT, "retention": NUM,
                            "cards_seen": INT, "suspended": INT, "due_today": INT}),
        "reviews_per_day": {"type": "array", "items": _object({"day": DATE, "right": INT, "wrong": INT})},
        "retention_by_topic": {"type": "array", "items": _object({"pack": STR, "topic": STR, "right": INT,
                                                                 "total": INT, "retention": NUM})},
        "due_forecast": {"type": "array", "items": _object({"day": DATE, "due": INT})},
        "retrievability": {"type": "array", "items": INT, "minItems": 10, "maxItems": 10,
                           "description": "cards per retrievability bin: [0, 0.1), ..., [0.9, 1]"}}),
    "CardRef": _object({"pack": STR, "question": STR, "card": STR}),
    "Export": _object({
        "format": {"const": "quizapp-progress"}, "version": {"const": 1}, "exported_at": DATETIME,
        "learner": _object({"display_name": STR, "settings": _ref("Settings")}),
        "card_states": {"type": "array", "items": _object({"pack": STR, "question": STR, "card": STR,
                                                          "state": _ref("CardState")})},
        "reviews": {"type": "array", "items": _object({
            "pack": STR, "question": STR, "card": STR, "reviewed_at": DATETIME,
            "rating": {"type": "integer", "minimum": 1, "maximum": 4},
            "suggested_rating": _nullable(INT), "answer": {}, "correct": BOOL, "response_ms": _nullable(INT),
            "state_before": _nullable(_ref("CardState")), "state_after": _ref("CardState"),
            "variant_seed": _nullable(INT), "content_hash": STR})},
    }),
}


def _json(schema: str, description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _ref(schema)}}}


ERRORS = {  # what any operation may answer (quizapp.inputs refuses bad input before the operation runs)
    "400": _json("Error", "malformed request: a control character, a number out of range, JSON too deep"),
    "401": _json("Error", "missing or invalid token"),
    "413": _json("Error", "request body too large"),
    "429": _json("Error", "rate limit reached (see Retry-After)"),
    "503": _json("Error", "the database is unavailable (see Retry-After)"),
}


def _op(summary: str, op_id: str, responses: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"summary": summary, "operationId": op_id, "responses": {**responses, **ERRORS}, **extra}


def openapi_document(server_url: str = "/api/v1") -> dict[str, Any]:
    review_id = {"name": "review_id", "in": "path", "required": True,
                 "schema": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}}
    return {
        "openapi": "3.1.0",
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "info": {"title": "quizapp API", "version": "1.0.0",
                 "description": "Study container networking with FSRS spaced repetition. Create a token on your "
                                "account page and send `Authorization: Bearer <token>`."},
        "servers": [{"url": server_url}],
        "security": [{"bearer": []}],
        "paths": {
            "/me": {"get": _op("The token's learner and settings", "getMe", {"200": _json("Me", "the learner")})},
            "/packs": {"get": _op("Packs with what is due today", "listPacks",
                                  {"200": _json("PackList", "public packs")})},
            "/packs/{slug}/next": {"get": _op(
                "The next card to study (null when nothing is due)", "nextCard",
                {"200": _json("Next", "the next card and today's counts"), "404": _json("Error", "no such pack")},
                parameters=[{"name": "slug", "in": "path", "required": True,
                             "schema": {"type": "string", "pattern": "^[a-z0-9]+(-[a-z0-9]+)*$", "maxLength": 100}}])},
            "/answers": {"post": _op(
                "Answer a card; records it with the suggested rating and schedules the card", "submitAnswer",
                {"201": _json("AnswerResult", "the recorded answer"),
                 "400": _json("Error", "malformed request or response"), "404": _json("Error", "no such card"),
                 "409": _json("Error", "already recorded, or the Idempotency-Key was used for another card")},
                description="Send an `Idempotency-Key` (any unique string of up to 64 characters) to make retries "
                            "safe: a request with a key already used answers with the first request's result "
                            "(header `Idempotent-Replayed: true`) and records nothing.",
                parameters=[{"name": "Idempotency-Key", "in": "header", "required": False,
                             "schema": {"type": "string", "maxLength": 64}}],
                requestBody={"required": True, "content": {"application/json": {"schema": _ref("AnswerRequest")}}})},
            "/reviews/{review_id}": {"get": _op(
                "One of your answers", "getReview",
                {"200": _json("ReviewEnvelope", "the answer"), "404": _json("Error", "not yours or missing")},
                parameters=[review_id])},
            "/reviews/{review_id}/rating": {"put": _op(
                "Change the rating of your last answer (re-applies the scheduling from the state before it)",
                "changeRating",
                {"200": _json("ReviewEnvelope", "the answer with its new rating and state"),
                 "400": _json("Error", "bad rating"), "404": _json("Error", "not yours or missing"),
                 "409": _json("Error", "not your last answer")},
                parameters=[review_id],
                requestBody={"required": True, "content": {"application/json": {"schema": _ref("RatingRequest")}}})},
            "/undo": {"post": _op("Undo your last answer, restoring the card's exact previous state", "undo",
                                  {"200": _json("Undone", "what was undone"),
                                   "409": _json("Error", "nothing to undo")})},
            "/trace": {"post": _op(
                "Trace one connection through a scenario (given as text, or a lab scenario id)", "trace",
                {"200": _json("TraceResult", "the hop-by-hop trace, its JSON and the CLI's text"),
                 "400": _json("Error", "malformed request, invalid scenario (the message lists each problem with "
                                       "its line) or a source/destination the scenario does not have"),
                 "404": _json("Error", "no such scenario id"),
                 "413": _json("Error", "scenario text too large"),
                 "422": _json("Error", "the scenario needs more time or memory than allowed"),
                 "429": _json("Error", "too many traces: wait a minute")},
                description="Scenario text runs in a sandbox with a CPU-time and memory bound; traces are "
                            "rate-limited per learner.",
                requestBody={"required": True, "content": {"application/json": {"schema": _ref("TraceRequest")}}})},
            "/stats": {"get": _op("Your statistics", "getStats", {"200": _json("Stats", "statistics")})},
            "/export": {"get": _op("Your progress as a JSON export (importable on the account page)", "exportProgress",
                                   {"200": _json("Export", "the export document")})},
            "/openapi.json": {"get": {"summary": "This document", "operationId": "getOpenApi", "security": [],
                                      "responses": {"200": {"description": "the OpenAPI document",
                                                            "content": {"application/json": {"schema": {"type": "object"}}}}}}},
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                           "description": "a personal access token from the account page"}},
            "schemas": SCHEMAS,
        },
    }
