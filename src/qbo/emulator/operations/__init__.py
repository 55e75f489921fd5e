"""The API's operations as plain functions: a Session and typed input in, plain data out.

Each operation is called by its HTTP route (:mod:`qbo.emulator.http.routes`) and, where QBO
allows it, by a batch item (:mod:`.batch`) alike, so both doors behave the same. Nothing in
this package knows about HTTP: no request objects, no status codes, no headers.

- :mod:`.entities`: create, read, update, delete and void of any entity;
- :mod:`.query`: the query language;
- :mod:`.cdc`: change data capture;
- :mod:`.batch`: up to 30 of the above in one request;
- :mod:`.exchange_rates`: reading and setting currency rates.

Sending, PDFs, uploads and reports are operations of their own feature modules
(:func:`qbo.emulator.mail.send`, :func:`qbo.emulator.pdf.render_pdf`,
:func:`qbo.emulator.attachments.upload`, :func:`qbo.emulator.reports.run_report`).
"""
