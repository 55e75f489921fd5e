"""Printable sales forms: ``GET /{invoice|estimate|creditmemo|salesreceipt}/{id}/pdf``.

QBO renders a customer-facing document; the emulator renders a plain but complete one
with fpdf2: the company's name and address, the customer and the bill-to (and ship-to)
address, document number and dates, one row per line (product, description, quantity,
rate, amount), then subtotal, discount, tax, total and what is still due. The same
renderer makes the PDF attached to mail sent with ``/send`` (purchase orders included,
whose PDF QBO attaches to the mail but does not serve on its own).

The built-in PDF fonts know only Latin-1, so text outside it is transliterated (accents
dropped) or replaced by ``?`` rather than failing the request; the document's creation
date is the object's last update, so the same object always renders the same bytes.
"""

from __future__ import annotations

import unicodedata
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace

from qbo.emulator.store.session import Session
from qbo.schema import EntityDef, Operation
from qbo.schema.faults import not_found, unsupported_operation

PDF_TYPE = "application/pdf"

TITLES = {
    "Invoice": "INVOICE",
    "Estimate": "ESTIMATE",
    "CreditMemo": "CREDIT MEMO",
    "SalesReceipt": "SALES RECEIPT",
    "RefundReceipt": "REFUND RECEIPT",
    "PurchaseOrder": "PURCHASE ORDER",
}
NUMBER_LABELS = {
    "Invoice": "Invoice no.",
    "Estimate": "Estimate no.",
    "CreditMemo": "Credit memo no.",
    "SalesReceipt": "Sales receipt no.",
    "RefundReceipt": "Refund receipt no.",
    "PurchaseOrder": "P.O. no.",
}
#: Currency signs the built-in fonts can print; other currencies show their ISO code.
SIGNS = {"USD": "$", "CAD": "$", "AUD": "$", "NZD": "$", "GBP": "\u00a3", "JPY": "\u00a5"}
ZERO = Decimal(0)


def latin1(text: str) -> str:
    """Text the built-in fonts can draw: accents stripped where needed, else ``?``."""
    try:
        text.encode("latin-1")
        return text
    except UnicodeEncodeError:
        pass
    out = []
    for char in text:
        try:
            char.encode("latin-1")
            out.append(char)
            continue
        except UnicodeEncodeError:
            pass
        base = unicodedata.normalize("NFKD", char).encode("latin-1", "ignore").decode("latin-1")
        out.append(base if base.strip() else "?")
    return "".join(out)


def number(value: Any) -> Decimal:
    try:
        return Decimal(str(value)) if value is not None else ZERO
    except InvalidOperation:
        return ZERO


def money(value: Any, currency: str) -> str:
    amount = number(value).quantize(Decimal("0.01"))
    sign = "-" if amount < 0 else ""
    symbol = SIGNS.get(currency)
    text = f"{abs(amount):,.2f}"
    return f"{sign}{symbol}{text}" if symbol else f"{sign}{currency} {text}"


def quantity(value: Any) -> str:
    if value is None:
        return ""
    amount = number(value).normalize()
    return f"{amount:f}"


def day(value: Any, country: str) -> str:
    """A date as the company's locale writes it (QBO US: 11/26/2026)."""
    if not value:
        return ""
    try:
        parsed = date.fromisoformat(str(value)[:10])
    except ValueError:
        return str(value)
    return parsed.strftime("%m/%d/%Y" if country == "US" else "%d/%m/%Y")


def address_lines(addr: Any) -> list[str]:
    if not isinstance(addr, dict):
        return []
    lines = [str(addr[k]) for k in ("Line1", "Line2", "Line3", "Line4", "Line5") if addr.get(k)]
    city = ", ".join(str(addr[k]) for k in ("City", "CountrySubDivisionCode") if addr.get(k))
    postal = str(addr.get("PostalCode") or "")
    locality = " ".join(part for part in (city, postal) if part)
    if locality:
        lines.append(locality)
    if addr.get("Country"):
        lines.append(str(addr["Country"]))
    return lines


def ref_name(s: Session, ref: Any, entity: str) -> str:
    if not isinstance(ref, dict):
        return ""
    if ref.get("name"):
        return str(ref["name"])
    other = s.get(entity, str(ref.get("value", "")))
    if other is None:
        return ""
    return str(other.get("DisplayName") or other.get("Name") or "")


class _Document(FPDF):
    """A page with the standard footer (page numbers)."""

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("Helvetica", size=8)
        self.cell(0, 8, f"Page {self.page_no()}/{{nb}}", align="C")


def _line_rows(s: Session, doc: dict[str, Any], currency: str) -> list[tuple[str, ...]]:
    """One printed row per item line: product, description, qty, rate, amount."""
    rows: list[tuple[str, ...]] = []
    for line in doc.get("Line") or []:
        kind = str(line.get("DetailType", ""))
        detail = line.get(kind) if isinstance(line.get(kind), dict) else {}
        if kind in ("SubTotalLineDetail", "DiscountLineDetail", "TaxLineDetail"):
            continue
        product = ""
        qty: Any = None
        rate: Any = None
        if kind in ("SalesItemLineDetail", "ItemBasedExpenseLineDetail"):
            product = ref_name(s, detail.get("ItemRef"), "Item")
            qty, rate = detail.get("Qty"), detail.get("UnitPrice")
        elif kind == "GroupLineDetail":
            product = ref_name(s, detail.get("GroupItemRef"), "Item")
            qty = detail.get("Quantity")
        elif kind == "AccountBasedExpenseLineDetail":
            product = ref_name(s, detail.get("AccountRef"), "Account")
        amount = (
            "" if kind == "DescriptionOnly" and line.get("Amount") is None else line.get("Amount")
        )
        rows.append(
            (
                product,
                str(line.get("Description") or ""),
                quantity(qty),
                "" if rate is None else money(rate, currency),
                "" if amount in ("", None) else money(amount, currency),
            )
        )
    return rows


def _totals(doc: dict[str, Any], entity: str, currency: str) -> list[tuple[str, str]]:
    lines = doc.get("Line") or []
    subtotal = next(
        (ln.get("Amount") for ln in lines if ln.get("DetailType") == "SubTotalLineDetail"), None
    )
    if subtotal is None:
        subtotal = sum(
            (
                number(ln.get("Amount"))
                for ln in lines
                if ln.get("DetailType") not in ("DiscountLineDetail", "SubTotalLineDetail")
            ),
            ZERO,
        )
    rows = [("Subtotal", money(subtotal, currency))]
    discount = ZERO
    percent: Any = None
    for ln in lines:
        if ln.get("DetailType") == "DiscountLineDetail":
            discount += number(ln.get("Amount"))
            detail = ln.get("DiscountLineDetail") or {}
            if detail.get("PercentBased"):
                percent = detail.get("DiscountPercent")
    if discount:
        label = f"Discount ({quantity(percent)}%)" if percent is not None else "Discount"
        rows.append((label, money(-discount, currency)))
    if entity != "PurchaseOrder":
        tax = (doc.get("TxnTaxDetail") or {}).get("TotalTax")
        rows.append(("Tax", money(tax, currency)))
    rows.append(("Total", money(doc.get("TotalAmt"), currency)))
    if entity == "Invoice":
        if number(doc.get("Deposit")):
            rows.append(("Deposit", money(-number(doc.get("Deposit")), currency)))
        rows.append(("Balance due", money(doc.get("Balance"), currency)))
    elif entity == "CreditMemo":
        rows.append(("Credit remaining", money(doc.get("Balance"), currency)))
    elif entity == "SalesReceipt":
        rows.append(("Amount paid", money(doc.get("TotalAmt"), currency)))
        rows.append(("Balance due", money(ZERO, currency)))
    return rows


def _facts(doc: dict[str, Any], entity: str, country: str) -> list[tuple[str, str]]:
    facts = [(NUMBER_LABELS.get(entity, "No."), str(doc.get("DocNumber") or doc.get("Id", "")))]
    facts.append(("Date", day(doc.get("TxnDate"), country)))
    if entity == "Invoice":
        facts.append(("Due date", day(doc.get("DueDate"), country)))
        term = doc.get("SalesTermRef")
        if isinstance(term, dict) and term.get("name"):
            facts.append(("Terms", str(term["name"])))
    elif entity == "Estimate" and doc.get("ExpirationDate"):
        facts.append(("Expiration date", day(doc.get("ExpirationDate"), country)))
    elif entity == "PurchaseOrder" and doc.get("DueDate"):
        facts.append(("Due date", day(doc.get("DueDate"), country)))
    return facts


def _created(doc: dict[str, Any], fallback: datetime) -> datetime:
    stamp = (doc.get("MetaData") or {}).get("LastUpdatedTime")
    try:
        return datetime.fromisoformat(str(stamp))
    except ValueError:
        return fallback


def render(s: Session, entity: str, doc: dict[str, Any]) -> bytes:
    """The PDF of one sales form (or purchase order) as stored."""
    company = s.get("CompanyInfo", "1") or {}
    company_name = str(company.get("CompanyName") or s.realm.company_name)
    currency = str((doc.get("CurrencyRef") or {}).get("value") or s.realm.currency)
    country = s.realm.country
    purchase = entity == "PurchaseOrder"
    party_ref, party_entity = (
        (doc.get("VendorRef"), "Vendor") if purchase else (doc.get("CustomerRef"), "Customer")
    )
    party = ref_name(s, party_ref, party_entity)
    bill_to = doc.get("VendorAddr") if purchase else doc.get("BillAddr")
    title = TITLES.get(entity, entity.upper())

    pdf = _Document(format="Letter" if country == "US" else "A4")
    pdf.set_title(latin1(f"{title.title()} {doc.get('DocNumber') or doc.get('Id', '')}"))
    pdf.set_author(latin1(company_name))
    pdf.set_creator("qbo emulator")
    pdf.set_creation_date(_created(doc, s.now))
    pdf.alias_nb_pages()
    pdf.add_page()
    pdf.set_auto_page_break(auto=True, margin=18)

    top = pdf.get_y()
    pdf.set_font("Helvetica", "B", 16)
    pdf.multi_cell(110, 8, latin1(company_name), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("Helvetica", size=10)
    contact = address_lines(company.get("CompanyAddr"))
    for key in ("Email", "PrimaryPhone"):
        value = company.get(key) or {}
        text = value.get("Address") or value.get("FreeFormNumber")
        if text:
            contact.append(str(text))
    for text in contact:
        pdf.cell(110, 5, latin1(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    below_company = pdf.get_y()

    pdf.set_xy(pdf.w - pdf.r_margin - 80, top)
    pdf.set_font("Helvetica", "B", 20)
    pdf.cell(80, 10, title, align="R", new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.set_font("Helvetica", size=10)
    for label, value in _facts(doc, entity, country):
        pdf.set_x(pdf.w - pdf.r_margin - 80)
        pdf.cell(40, 5, latin1(label), align="R")
        pdf.cell(40, 5, latin1(value), align="R", new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.set_y(max(below_company, pdf.get_y()) + 8)

    blocks = [("Vendor" if purchase else "Bill to", [party, *address_lines(bill_to)])]
    if doc.get("ShipAddr"):
        blocks.append(("Ship to", address_lines(doc.get("ShipAddr"))))
    block_top = pdf.get_y()
    lowest = block_top
    for index, (label, lines) in enumerate(blocks):
        pdf.set_xy(pdf.l_margin + index * 90, block_top)
        pdf.set_font("Helvetica", "B", 10)
        pdf.cell(85, 5, label, new_x=XPos.LEFT, new_y=YPos.NEXT)
        pdf.set_font("Helvetica", size=10)
        for text in lines:
            if text:
                pdf.cell(85, 5, latin1(text), new_x=XPos.LEFT, new_y=YPos.NEXT)
        lowest = max(lowest, pdf.get_y())
    pdf.set_xy(pdf.l_margin, lowest + 8)

    pdf.set_font("Helvetica", size=9)
    heading = ("Product/Service", "Description", "Qty", "Rate", "Amount")
    with pdf.table(
        col_widths=(40, 70, 18, 28, 30),
        text_align=("LEFT", "LEFT", "RIGHT", "RIGHT", "RIGHT"),
        headings_style=FontFace(emphasis="BOLD", fill_color=(230, 230, 230)),
        line_height=5,
    ) as table:
        table.row(heading)
        for row in _line_rows(s, doc, currency):
            table.row(tuple(latin1(cell) for cell in row))

    pdf.ln(4)
    for label, value in _totals(doc, entity, currency):
        strong = label in ("Total", "Balance due")
        pdf.set_font("Helvetica", "B" if strong else "", 10)
        pdf.set_x(pdf.w - pdf.r_margin - 90)
        pdf.cell(55, 6, latin1(label), align="R")
        pdf.cell(35, 6, latin1(value), align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    memo = doc.get("CustomerMemo")
    note = memo.get("value") if isinstance(memo, dict) else None
    if note:
        pdf.ln(6)
        pdf.set_font("Helvetica", "I", 10)
        pdf.multi_cell(0, 5, latin1(str(note)), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    return bytes(pdf.output())


def render_pdf(s: Session, entity: EntityDef, object_id: str) -> bytes:
    """``GET /{entity}/{id}/pdf``: the form as a PDF."""
    if not entity.allows(Operation.PDF):
        raise unsupported_operation(entity.name, Operation.PDF.value)
    doc = s.get(entity.name, object_id)
    if doc is None:
        raise not_found(entity.name, object_id)
    return render(s, entity.name, doc)
