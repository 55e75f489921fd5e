"""The emulator's books: a double-entry ledger written by every posting transaction.

``book``/``unbook`` (called by the transaction rules) replace a transaction's postings and
keep every derived figure in the stored documents equal to what the ledger says. Reports
(``qbo.emulator.reports``) read the ledger table directly. Inventory is costed FIFO.
"""

from qbo.emulator.ledger.book import book, unbook

__all__ = ["book", "unbook"]
