"""Field reports: ``POST /api/field-reports``, for phones and scripts.

A report comes as a JSON object, or as ``multipart/form-data`` with the same
fields and the photos or documents as ``files``.  Both go to
``field.submit_field_report``, which the dashboard's form calls too: checked
field by field, all or nothing, idempotent under ``client_ref``.  A stored
report is read back with its incident (``GET /api/incidents/{id}``), the
witness and the place the account was given only by analysts and its monitor.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from starlette.datastructures import FormData, UploadFile

from trucewatch.accounts import Permission, User
from trucewatch.api.deps import AppState, StateDep, check_csrf, require
from trucewatch.domain.vocabulary import EVENT_TYPE_TREE, KNOWN_TAGS
from trucewatch.errors import InputError, Problem
from trucewatch.field import (
    FIELDS,
    MAX_FILES,
    FieldSubmission,
    Upload,
    stage_upload,
    staging,
    submit_field_report,
)

router = APIRouter(prefix="/api", tags=["field reports"])

Submitter = Annotated[User, Depends(require(Permission.SUBMIT))]

#: Multi-valued form fields (checkboxes, repeated inputs).
LIST_FIELDS = ("tags",)

_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["date", "event_type", "sub_event_type", "place", "description"],
    "additionalProperties": False,
    "properties": {
        "date": {"type": "string", "format": "date", "description": "YYYY-MM-DD, local date"},
        "date_precision": {"type": "string", "enum": ["day", "week", "month"]},
        "event_type": {"type": "string", "enum": list(EVENT_TYPE_TREE)},
        "sub_event_type": {
            "type": "string",
            "enum": [s for subs in EVENT_TYPE_TREE.values() for s in subs],
        },
        "place": {"type": "string", "maxLength": 200, "description": "the place's name"},
        "admin1": {"type": "string", "maxLength": 200, "description": "governorate / province"},
        "latitude": {"type": "number", "minimum": -90, "maximum": 90},
        "longitude": {"type": "number", "minimum": -180, "maximum": 180},
        "actors": {
            "type": "array",
            "maxItems": 20,
            "items": {
                "type": "object",
                "required": ["name"],
                "properties": {
                    "name": {"type": "string", "maxLength": 200},
                    "role": {"type": "string", "enum": ["perpetrator", "target", "other"]},
                },
            },
        },
        "perpetrator": {"type": "string", "description": "who acted; one name per line"},
        "target": {"type": "string", "description": "who was hit; one name per line"},
        "fatalities_low": {"type": "integer", "minimum": 0},
        "fatalities_best": {"type": "integer", "minimum": 0},
        "fatalities_high": {"type": "integer", "minimum": 0},
        "tags": {"type": "array", "items": {"type": "string", "enum": sorted(KNOWN_TAGS)}},
        "description": {"type": "string", "minLength": 10, "maxLength": 20000},
        "witness": {
            "type": "string",
            "maxLength": 2000,
            "description": "sensitive: seen only by analysts and you",
        },
        "source_latitude": {
            "type": "number",
            "minimum": -90,
            "maximum": 90,
            "description": "sensitive: where the account was given",
        },
        "source_longitude": {"type": "number", "minimum": -180, "maximum": 180},
        "client_ref": {
            "type": "string",
            "pattern": "^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$",
            "description": "your id for this report: a resend with it stores nothing twice",
        },
    },
}
_MULTIPART_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        **{k: {"type": "string"} for k in FIELDS if k not in ("actors", "fatalities")},
        "tags": {"type": "array", "items": {"type": "string"}},
        "files": {"type": "array", "items": {"type": "string", "format": "binary"}},
    },
    "required": ["date", "event_type", "sub_event_type", "place", "description"],
}


def _bad_body(message: str, fix: str) -> InputError:
    return InputError([Problem("body", None, message, fix)])


def _fields_of(form: FormData) -> tuple[dict[str, Any], list[UploadFile]]:
    """A form's report fields (``tags`` may repeat) and its non-empty files."""
    fields: dict[str, Any] = {}
    files: list[UploadFile] = []
    for key, value in form.multi_items():
        if key == "files" and isinstance(value, UploadFile):
            if value.filename:  # an empty file input sends a part without a name
                files.append(value)
        elif key in ("csrf_token", "files"):
            continue
        elif isinstance(value, UploadFile):
            raise _bad_body(f"'{key}' is a file", "send files only as 'files'")
        elif key in LIST_FIELDS:
            fields.setdefault(key, []).append(value)
        else:
            fields[key] = value
    return fields, files


#: A JSON report carries no files: a megabyte is far more than any report needs.
JSON_LIMIT = 1 << 20


async def _capped_body(request: Request, limit: int) -> bytes:
    """The request body, refused with 413 once it passes ``limit`` bytes (read no further)."""
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > limit:
        raise HTTPException(413, f"a JSON report may be at most {limit:,} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise HTTPException(413, f"a JSON report may be at most {limit:,} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


async def receive_field_report(
    request: Request, st: AppState, user: User, *, channel: str
) -> FieldSubmission:
    """Read a report from a request (JSON, or a form with files) and submit it.

    Files are copied to a private staging folder in the evidence store's
    volume, at most one byte past the upload limit each, and removed once
    the report is stored or refused; the request's own temporary files are
    closed whatever happens.
    """
    limit = st.settings.max_upload_bytes
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    form: FormData | None = None
    try:
        if kind == "application/json":
            try:
                data = json.loads(await _capped_body(request, JSON_LIMIT))
            except (ValueError, UnicodeDecodeError):
                raise _bad_body("the body is not valid JSON", "send one JSON object") from None
            if not isinstance(data, dict):
                raise _bad_body("the body must be a JSON object", 'send {"date": ..., ...}')
            files: list[UploadFile] = []
        elif kind in ("multipart/form-data", "application/x-www-form-urlencoded"):
            length = request.headers.get("content-length", "")
            if not length.isdigit():
                # Without a length the body's size is unknown until it has filled the disk.
                raise HTTPException(411, "send the form with a Content-Length header")
            if int(length) > MAX_FILES * limit + (4 << 20):
                raise HTTPException(413, "the request is too large for the upload limit")
            form = await request.form(max_files=MAX_FILES + 1)
            data, files = _fields_of(form)
        else:
            raise HTTPException(
                415, "send the report as application/json or multipart/form-data (with files)"
            )
        store = st.settings.evidence_store
        with staging(store) as folder:
            uploads: list[Upload] = []
            for f in files[: MAX_FILES + 1]:
                name, media = f.filename or "upload", f.content_type
                staged = await run_in_threadpool(
                    stage_upload, f.file, name, media, folder, max_bytes=limit
                )
                uploads.append(staged)
            return await run_in_threadpool(
                submit_field_report,
                st.db,
                store,
                user,
                data,
                uploads,
                max_upload_bytes=limit,
                channel=channel,
            )
    finally:
        if form is not None:
            await form.close()


@router.post(
    "/field-reports",
    dependencies=[Depends(check_csrf)],
    status_code=201,
    summary="Submit a field report",
    responses={
        200: {"description": "a resend: the report with this client_ref was already stored"},
        201: {"description": "stored: a new incident in status 'reported'"},
        400: {"description": "refused, nothing stored: one problem per mistake"},
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": _SCHEMA},
                "multipart/form-data": {"schema": _MULTIPART_SCHEMA},
            },
        }
    },
)
async def field_report_submit(request: Request, st: StateDep, user: Submitter) -> JSONResponse:
    """A monitor's report: a new incident (status reported) with its evidence, all or nothing.

    Photos (JPEG, PNG, WebP, HEIC), PDF and plain-text files are accepted,
    judged by their content, each up to the server's upload limit.  The
    witness and where the account was given are seen only by analysts and
    by you.
    """
    result = await receive_field_report(request, st, user, channel="api")
    return JSONResponse(result.as_json(), status_code=200 if result.duplicate else 201)
