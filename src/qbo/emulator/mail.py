"""Sending sales forms by e-mail: ``POST /{entity}/{id}/send[?sendTo=addr]`` and the outbox.

The emulator sends no real mail. It does what QBO does to the object (``EmailStatus:
"EmailSent"``, ``DeliveryInfo {DeliveryType: "Email", DeliveryTime}``, SyncToken + 1, an
Update change) plus an ``Emailed`` change for webhooks, and keeps the message it would
have sent (recipients, subject, body, the PDF) in an outbox that the control plane lists
(``GET /_emulator/outbox``). All of it happens in the request's transaction.

Choices where QBO's behaviour is not documented:
- The address is ``sendTo`` when given, else the form's ``BillEmail`` (``POEmail`` on a
  purchase order). ``sendTo`` also replaces ``BillEmail.Address``, as Intuit's reference
  describes. Several addresses may be given, separated by commas.
- A missing or malformed address is a ValidationFault with code 6000 (a business rule:
  the form cannot be sent) whose Detail says what is wrong and whose element names the
  parameter or property (Intuit does not document which of 6000 and 2010 QBO uses).
- PurchaseOrder has no ``DeliveryInfo`` in Intuit's schema, so only its EmailStatus
  changes (the emulator never writes a property a client could not post back).
- Attachables linked to the form with ``IncludeOnSend: true`` are listed in the message
  as attachments (their bytes stay in the attachment store).
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, insert, select

from qbo.emulator.domain import crud
from qbo.emulator.pdf import PDF_TYPE, TITLES, money, render
from qbo.emulator.store import Store
from qbo.emulator.store.delivery_tables import delivery_tables
from qbo.emulator.store.session import Session, clone
from qbo.emulator.timefmt import response_time
from qbo.schema import EntityDef, Operation, catalogue
from qbo.schema.faults import Fault, FaultCode, not_found, unsupported_operation

#: One address: something@domain.tld, without spaces or characters mail headers reserve.
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
ADDRESS = re.compile(rf"^[^@\s,;<>()\[\]\"]+@(?:{_LABEL}\.)+[A-Za-z]{{2,}}$")
MAX_ADDRESS = catalogue().type("EmailAddress").fields["Address"].max_length or 100

GREETINGS = {
    "Invoice": "Here's your invoice! We appreciate your prompt payment.",
    "Estimate": "Please review the estimate below. Feel free to contact us if you have any "
    "questions. We look forward to working with you.",
    "CreditMemo": "Your credit memo is attached. It will be applied to your account.",
    "SalesReceipt": "Thank you for your business! Your sales receipt is attached.",
    "RefundReceipt": "Your refund receipt is attached.",
    "PurchaseOrder": "Please find our purchase order attached. Contact us with any questions.",
}


def email_field(entity: EntityDef) -> str:
    return "POEmail" if entity.name == "PurchaseOrder" else "BillEmail"


def recipients(address: str | None, element: str) -> list[str]:
    """The addresses of a ``sendTo`` or ``BillEmail`` value, or fault 6000."""
    if address is None or not address.strip():
        raise Fault.of(
            FaultCode.BUSINESS_VALIDATION,
            f"Email address is missing: give sendTo or set {element} on the transaction",
            element=element,
        )
    if len(address) > MAX_ADDRESS:
        raise Fault.of(
            FaultCode.BUSINESS_VALIDATION,
            f"Email address is too long: {element} holds at most {MAX_ADDRESS} characters",
            element=element,
        )
    found = [part.strip() for part in address.split(",")]
    for part in found:
        if not ADDRESS.match(part):
            raise Fault.of(
                FaultCode.BUSINESS_VALIDATION,
                f"Invalid email address {part!r} in {element}: expected name@domain",
                element=element,
            )
    return found


def _included_attachments(s: Session, entity: str, object_id: str) -> list[dict[str, Any]]:
    """Attachables linked to the form with IncludeOnSend, as listed in the message."""
    files = delivery_tables(s.store).attachment_files
    found = []
    for attachable in s.all("Attachable"):
        for ref in attachable.get("AttachableRef") or []:
            target = ref.get("EntityRef") or {}
            if (
                ref.get("IncludeOnSend") is True
                and target.get("type") == entity
                and str(target.get("value")) == object_id
            ):
                row = s.conn.execute(
                    select(files.c.file_name, files.c.content_type, files.c.size).where(
                        files.c.realm_id == s.realm.realm_id,
                        files.c.attachable_id == int(attachable["Id"]),
                    )
                ).first()
                if row is not None:
                    found.append(
                        {
                            "attachableId": attachable["Id"],
                            "fileName": row.file_name,
                            "contentType": row.content_type,
                            "size": int(row.size),
                        }
                    )
                break
    return found


def _message(s: Session, entity: str, doc: dict[str, Any]) -> tuple[str, str]:
    """Subject and body, worded like QBO's default templates."""
    company = (s.get("CompanyInfo", "1") or {}).get("CompanyName") or s.realm.company_name
    label = TITLES.get(entity, entity).title()
    number = doc.get("DocNumber") or doc.get("Id")
    party_ref = doc.get("VendorRef") if entity == "PurchaseOrder" else doc.get("CustomerRef")
    party = party_ref.get("name") if isinstance(party_ref, dict) else None
    currency = str((doc.get("CurrencyRef") or {}).get("value") or s.realm.currency)
    facts = [f"{label} no.: {number}"]
    if entity == "Invoice":
        if doc.get("DueDate"):
            facts.append(f"Due date: {doc['DueDate']}")
        facts.append(f"Balance due: {money(doc.get('Balance'), currency)}")
    else:
        facts.append(f"Total: {money(doc.get('TotalAmt'), currency)}")
    body = "\n".join(
        [
            f"Dear {party or 'customer'},",
            "",
            GREETINGS.get(entity, f"Your {label.lower()} is attached."),
            "",
            *facts,
            "",
            "Thanks for your business!",
            str(company),
        ]
    )
    return f"{label} {number} from {company}", body


def send(s: Session, entity: EntityDef, object_id: str, send_to: str | None) -> dict[str, Any]:
    """``POST /{entity}/{id}/send[?sendTo=addr]``: mark the form sent, put the mail in the outbox."""
    if not entity.allows(Operation.SEND):
        raise unsupported_operation(entity.name, Operation.SEND.value)
    old = s.get(entity.name, object_id)
    if old is None:
        raise not_found(entity.name, object_id)
    field = email_field(entity)
    given = send_to
    if given is not None:
        to = recipients(given, "sendTo")
    else:
        to = recipients((old.get(field) or {}).get("Address"), f"{field}.Address")
    doc = clone(old)
    if given is not None:
        doc[field] = {**(old.get(field) or {}), "Address": given.strip()}
    doc["EmailStatus"] = "EmailSent"
    if "DeliveryInfo" in entity.fields:
        doc["DeliveryInfo"] = {"DeliveryType": "Email", "DeliveryTime": s.meta_now()}
    doc = crud.server_update(s, entity, doc, old)
    s.record_change(entity.name, object_id, "Emailed")

    subject, body = _message(s, entity.name, doc)
    number = doc.get("DocNumber") or object_id
    s.conn.execute(
        insert(delivery_tables(s.store).outbox),
        {
            "realm_id": s.realm.realm_id,
            "entity": entity.name,
            "entity_id": object_id,
            "doc_number": doc.get("DocNumber"),
            "to_addr": ", ".join(to),
            "subject": subject,
            "body": body,
            "pdf_name": f"{entity.name}_{number}.pdf",
            "pdf": render(s, entity.name, doc),
            "attachments": json.dumps(_included_attachments(s, entity.name, object_id)),
            "sent_ms": s.now_ms,
        },
    )
    return doc


def list_outbox(
    store: Store, tz_of: dict[str, str], realm_id: str | None = None, limit: int = 100
) -> list[dict[str, Any]]:
    """Sent messages, newest first; ``tz_of`` maps realm ids to time zones for ``sentAt``."""
    t = delivery_tables(store).outbox
    stmt = select(t).order_by(t.c.id.desc()).limit(limit)
    if realm_id is not None:
        stmt = stmt.where(t.c.realm_id == realm_id)
    with store.read() as conn:
        rows = conn.execute(stmt).all()
    out = []
    for row in rows:
        sent = datetime.fromtimestamp(row.sent_ms / 1000, UTC)
        out.append(
            {
                "id": int(row.id),
                "realmId": row.realm_id,
                "entity": row.entity,
                "entityId": row.entity_id,
                "docNumber": row.doc_number,
                "to": row.to_addr.split(", "),
                "subject": row.subject,
                "body": row.body,
                "sentAt": response_time(sent, tz_of.get(row.realm_id, "UTC")),
                "pdf": {
                    "fileName": row.pdf_name,
                    "contentType": PDF_TYPE,
                    "size": len(row.pdf),
                    "url": f"/_emulator/outbox/{int(row.id)}/pdf",
                },
                "attachments": json.loads(row.attachments),
            }
        )
    return out


def outbox_pdf(store: Store, message_id: int) -> tuple[str, bytes] | None:
    """The PDF attached to one sent message (file name and bytes)."""
    t = delivery_tables(store).outbox
    with store.read() as conn:
        row = conn.execute(select(t.c.pdf_name, t.c.pdf).where(t.c.id == message_id)).first()
    return None if row is None else (row.pdf_name, bytes(row.pdf))


def clear_outbox(store: Store, realm_id: str | None = None) -> int:
    """Forget sent messages (of one realm, or all); answers how many."""
    t = delivery_tables(store).outbox
    stmt = delete(t) if realm_id is None else delete(t).where(t.c.realm_id == realm_id)
    with store.write() as conn:
        return int(conn.execute(stmt).rowcount)


__all__ = ["clear_outbox", "list_outbox", "outbox_pdf", "send"]
