"""An OpenAPI 3.1 description of the emulator, built from its route tables and the catalogue.

:func:`document` takes the application's routes, so what it describes is what is served:
the ``/v3`` paths come from the API's route table (:mod:`.data_plane`), the OAuth and
control-plane paths from the Starlette routes (:mod:`.served_routes`), the schemas from
the entity catalogue (:mod:`.catalogue_schemas`) and QBO's envelopes (:mod:`.envelopes`).
"""

from qbo.emulator.http.openapi.document import document

__all__ = ["document"]
