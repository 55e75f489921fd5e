"""Upload a file and attach it to an invoice (Attachable + multipart upload)."""

from _client import connect

from qbo.query import select

receipt = b"Receipt 42\nGarden design: 250.00\n"

with connect() as qb:
    invoice = qb.invoices.first(select("Invoice").limit(1))
    assert invoice is not None, "the company has no invoice"
    attachable = qb.attachables.upload(
        receipt, "receipt-42.txt", "text/plain", attach_to=[("Invoice", invoice.Id)]
    )
    print(
        f"attachable {attachable.Id}: {attachable.FileName}, {attachable.Size} bytes, on invoice {invoice.Id}"
    )
    assert qb.attachables.download(attachable.Id) == receipt
    print("downloaded it back, byte for byte")
