"""QBO's entity catalogue: shapes from Intuit's XSDs plus the REST facts they omit.

``catalogue()`` is the entry point; the dataclasses in ``types`` describe what it returns
and the ``faults`` module holds QBO's fault model shared by emulator and client.
"""

from qbo.schema.catalogue import Catalogue, catalogue
from qbo.schema.faults import CODES, ErrorItem, Fault, FaultType
from qbo.schema.types import EntityDef, EntityKind, FieldDef, Kind, Operation, TypeDef

__all__ = [
    "CODES",
    "Catalogue",
    "EntityDef",
    "EntityKind",
    "ErrorItem",
    "Fault",
    "FaultType",
    "FieldDef",
    "Kind",
    "Operation",
    "TypeDef",
    "catalogue",
]
