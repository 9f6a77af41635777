"""Validated batches into ``models.Row`` values: what the send path queues."""

from __future__ import annotations

from collections.abc import Iterator

import polars as pl

from batch.config.job import Job
from batch.identifiers.text import trim
from batch.input.columns import HeaderColumns
from batch.input.header import LINE_COLUMN
from batch.models import Invalid, Message, PaymentData, Row, ThirdPartyData, Translation
from batch.rules.plan import (
    AMOUNT_CENTS,
    DUE_DATE,
    FISCAL_CODE,
    INVALID_COLUMN,
    LANGUAGE,
    MARKDOWN,
    NOTICE_NUMBER,
    PAYEE_FISCAL_CODE,
    REASON,
    REASON_CODE,
    SUBJECT,
    THIRD_PARTY_ID,
    Plan,
)
from batch.rules.templates import render


def to_rows(validated: pl.DataFrame, job: Job, columns: HeaderColumns) -> Iterator[Row]:
    """``models.Row`` values for a validated batch: a message, or why there is none."""
    plan = Plan.of(job, columns)
    message = job.message
    for cells in validated.iter_rows(named=True):
        fields = {name: cells[name] or "" for name in columns.header}
        line = int(cells[LINE_COLUMN])
        fiscal = str(cells[FISCAL_CODE] or "")
        if cells[REASON_CODE] is not None:
            invalid = Invalid(cells[INVALID_COLUMN], cells[REASON_CODE], cells[REASON])
            yield Row(line, fiscal, None, invalid, fields)
            continue
        values = {name: trim(fields[plan.placeholders[name]]) for name in plan.placeholders}
        payment = None
        if plan.amount is not None:
            payment = PaymentData(
                amount_cents=int(cells[AMOUNT_CENTS]),
                notice_number=str(cells[NOTICE_NUMBER]),
                invalid_after_due_date=message.invalid_after_due_date,
                payee_fiscal_code=cells.get(PAYEE_FISCAL_CODE),
            )
        third_party = None
        if plan.third_party_id is not None:
            third_party = ThirdPartyData(
                id=str(cells[THIRD_PARTY_ID]),
                has_attachments=message.has_attachments,
                has_remote_content=message.has_remote_content,
                has_precondition=message.has_precondition,
                configuration_id=message.configuration_id,
            )
        built = Message(
            fiscal_code=fiscal,
            subject=cells.get(SUBJECT) or render(plan.subject, values),
            markdown=cells.get(MARKDOWN) or render(plan.markdown, values),
            feature_level_type=message.feature_level_type,
            time_to_live=message.time_to_live,
            require_secure_channels=message.require_secure_channels,
            due_date=cells.get(DUE_DATE),
            payment_data=payment,
            third_party_data=third_party,
        )
        translations = tuple(
            Translation(
                variant.language,
                render(variant.subject, values),
                render(variant.markdown, values),
            )
            for variant in plan.variants
        )
        hint = str(cells.get(LANGUAGE) or "")
        yield Row(line, fiscal, built, None, fields, translations, hint)
