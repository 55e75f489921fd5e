"""Generate ``src/qbo/schema/catalogue.json`` from Intuit's v3 XSDs.

Why a generator: the XSDs are the only complete statement of QBO's entity shapes, but
they are large, XML-only and full of desktop (QBW) material. This script reads them once
with the standard library, keeps what QuickBooks Online uses, and commits the result as a
small, sorted JSON file that the runtime loads without touching XML.

What it keeps:
* every complex type reachable from the REST entities in ``overlay.ENTITIES`` (plus a few
  extra roots such as ``TaxService``), with inheritance flattened: inherited fields first,
  then the type's own, in XSD order;
* for each field: name, kind (``qbo.schema.types.Kind``), XSD type name, whether it is a
  list, min occurs and the declaring type; enumerations are collected once under "enums".

The QBW-exclusion rule: an element or attribute whose own annotation says
``Product: QBW`` (also ``QBW only``, ``QBW.``) is desktop-only and left out, unless
``overlay.KEEP_DESKTOP_FIELDS`` names it (the XSD marks some fields QBW-only that QBO
really serves, e.g. ``Item.Active``). An annotation that describes a field for both
products ("Product: QBW ... Product: QBO ...") keeps it. ``ALL``,
``QBO`` and unannotated fields are kept. Complex types are kept exactly when a kept field
reaches them, so desktop-only types drop out on their own.

Other rules: ``xs:choice`` members all become optional fields (a Line's detail types,
``TaxGroupCodeRef`` vs ``TaxRateRef``); ``IntuitAnyType`` extension points (``*Ex``) and
``xs:any`` are skipped; ``ReferenceType`` is a ``ref``; other simple-content types (e.g.
``MemoRef``) become objects with a ``value`` field plus their attributes; the
``IntuitObject`` substitution in ``RecurringTransaction`` becomes one optional object field
per transaction type that can recur. No documentation text is written.

Usage: ``python tools/gen_catalogue.py [XSD_DIR] [--out PATH] [--no-models]``.
It also regenerates ``models.py`` through ``tools/gen_models.py`` unless ``--no-models``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))

from qbo.schema import overlay  # noqa: E402  (needs the src path above)

XS = "{http://www.w3.org/2001/XMLSchema}"
#: Where the XSDs are when no folder is named: $QBO_XSD_DIR.
DEFAULT_XSD_DIR = Path(os.environ.get("QBO_XSD_DIR", "intuit-v3-xsd"))
DEFAULT_OUT = REPO / "src" / "qbo" / "schema" / "catalogue.json"

# XSD built-in type -> Kind value.
PRIMITIVES: dict[str, str] = {
    "string": "string",
    "anyURI": "string",
    "anyType": "string",
    "normalizedString": "string",
    "token": "string",
    "decimal": "decimal",
    "double": "decimal",
    "float": "decimal",
    "int": "integer",
    "integer": "integer",
    "long": "integer",
    "short": "integer",
    "positiveInteger": "integer",
    "nonNegativeInteger": "integer",
    "boolean": "boolean",
    "date": "date",
    "dateTime": "datetime",
    "time": "time",
}

# Types that carry no fixed shape: extension points, skipped wherever they appear.
SKIPPED_TYPES = frozenset({"IntuitAnyType"})

# Transactions that RecurringTransaction can wrap (its XSD says "any IntuitObject").
RECURRING_MEMBERS = (
    "Bill",
    "CreditMemo",
    "Deposit",
    "Estimate",
    "Invoice",
    "JournalEntry",
    "Purchase",
    "PurchaseOrder",
    "RefundReceipt",
    "SalesReceipt",
    "Transfer",
    "VendorCredit",
)

# Extra roots: not REST entities of their own, but bodies the emulator must understand.
EXTRA_ROOTS = ("TaxService", "ModificationMetaData")

_PRODUCT = re.compile(r"Product:\s*([A-Za-z]+)")


def _local(qname: str | None) -> str:
    """Strip an ``xs:`` (or any) prefix from a type reference."""
    if not qname:
        return "anyType"
    return qname.split(":", 1)[1] if ":" in qname else qname


def _is_builtin(qname: str | None) -> bool:
    return qname is None or qname.startswith("xs:")


def _desktop_only(node: ET.Element) -> bool:
    """True when every ``Product:`` tag of the node's own annotation names QBW.

    An annotation often describes a field twice ("Product: QBW ... Product: QBO ..."); only
    a field with no product other than QBW is desktop-only.
    """
    ann = node.find(f"{XS}annotation")
    if ann is None:
        return False
    tags = [
        tag.upper()
        for doc in ann.iter(f"{XS}documentation")
        for tag in _PRODUCT.findall(doc.text or "")
    ]
    return bool(tags) and all(tag.startswith("QBW") for tag in tags)


def _max_occurs(value: str | None) -> int:
    if value is None:
        return 1
    return 1_000_000 if value == "unbounded" else int(value)


@dataclass
class RawField:
    """One element or attribute as declared, before kinds are resolved."""

    name: str
    type: str  # local type name; builtins keep their XSD spelling ("string", "dateTime")
    builtin: bool
    min_occurs: int
    many: bool
    desktop: bool  # desktop-only per the annotations


@dataclass
class RawType:
    name: str
    base: str | None
    abstract: bool
    fields: list[RawField] = field(default_factory=list)


class Schema:
    """All named definitions of the XSD set, indexed by name."""

    def __init__(self, xsd_dir: Path) -> None:
        self.complex: dict[str, ET.Element] = {}
        self.simple: dict[str, ET.Element] = {}
        self.groups: dict[str, ET.Element] = {}
        for path in sorted(xsd_dir.glob("*.xsd")):
            root = ET.parse(path).getroot()
            for child in root:
                name = child.get("name")
                if name is None:
                    continue
                if child.tag == f"{XS}complexType":
                    self.complex.setdefault(name, child)
                elif child.tag == f"{XS}simpleType":
                    self.simple.setdefault(name, child)
                elif child.tag == f"{XS}group":
                    self.groups.setdefault(name, child)
        self._raw: dict[str, RawType] = {}

    # -- simple types -------------------------------------------------------------------

    def simple_info(self, name: str) -> tuple[str, tuple[str, ...]]:
        """(kind, enum values) of a named simple type, following restriction bases."""
        node = self.simple[name]
        restriction = node.find(f"{XS}restriction")
        if restriction is None:  # list/union: not used by the entities; be lenient
            return "string", ()
        values = tuple(e.get("value", "") for e in restriction.findall(f"{XS}enumeration"))
        base = restriction.get("base")
        if _is_builtin(base):
            kind = PRIMITIVES.get(_local(base), "string")
        else:
            kind, inherited = self.simple_info(_local(base))
            values = values or inherited
        if values and kind == "string":
            return "enum", values
        return kind, ()

    # -- complex types ------------------------------------------------------------------

    def raw(self, name: str) -> RawType:
        if name not in self._raw:
            self._raw[name] = self._parse_complex(name)
        return self._raw[name]

    def _parse_complex(self, name: str) -> RawType:
        node = self.complex[name]
        raw = RawType(name=name, base=None, abstract=node.get("abstract") == "true")
        content: ET.Element = node
        for wrapper in ("complexContent", "simpleContent"):
            inner = node.find(f"{XS}{wrapper}")
            if inner is None:
                continue
            ext = inner.find(f"{XS}extension")
            if ext is None:
                ext = inner.find(f"{XS}restriction")
            if ext is None:
                continue
            base = ext.get("base")
            if wrapper == "simpleContent":
                raw.fields.append(
                    RawField("value", _local(base), _is_builtin(base), 0, False, False)
                )
            elif base and not _is_builtin(base):
                raw.base = _local(base)
            content = ext
        self._collect(content, raw.fields, optional=False)
        for attr in content.findall(f"{XS}attribute"):
            type_ = attr.get("type")
            raw.fields.append(
                RawField(
                    name=attr.get("name", ""),
                    type=_local(type_),
                    builtin=_is_builtin(type_),
                    min_occurs=1 if attr.get("use") == "required" else 0,
                    many=False,
                    desktop=_desktop_only(attr),
                )
            )
        return raw

    def _collect(self, node: ET.Element, out: list[RawField], *, optional: bool) -> None:
        """Walk sequence/choice/group particles in document order."""
        for child in node:
            tag = child.tag
            if tag in (f"{XS}sequence", f"{XS}all"):
                self._collect(child, out, optional=optional or child.get("minOccurs") == "0")
            elif tag == f"{XS}choice":
                self._collect(child, out, optional=True)
            elif tag == f"{XS}group":
                group = self.groups[_local(child.get("ref"))]
                self._collect(group, out, optional=optional or child.get("minOccurs") == "0")
            elif tag == f"{XS}element":
                self._element(child, out, optional=optional)

    def _element(self, node: ET.Element, out: list[RawField], *, optional: bool) -> None:
        min_occurs = 0 if optional else int(node.get("minOccurs", "1"))
        many = _max_occurs(node.get("maxOccurs")) > 1
        ref = node.get("ref")
        if ref is not None:
            if _local(ref) == "IntuitObject":
                for member in RECURRING_MEMBERS:
                    out.append(RawField(member, member, False, 0, False, False))
            return
        type_ = node.get("type")
        out.append(
            RawField(
                name=node.get("name", ""),
                type=_local(type_),
                builtin=_is_builtin(type_),
                min_occurs=min_occurs,
                many=many,
                desktop=_desktop_only(node),
            )
        )


def _kept(type_name: str, raw: RawField) -> bool:
    """The QBW-exclusion rule (see the module docstring)."""
    if raw.type in SKIPPED_TYPES:
        return False
    if not raw.desktop:
        return True
    return raw.name in overlay.KEEP_DESKTOP_FIELDS.get(type_name, frozenset())


class Builder:
    """Resolves kinds, flattens inheritance and walks reachability from the roots."""

    def __init__(self, schema: Schema) -> None:
        self.schema = schema
        self.types: dict[str, dict[str, Any]] = {}
        self.enums: dict[str, list[str]] = {}

    def ignored(self, name: str) -> set[str]:
        """Elements the XSD declares on ``name`` (or its bases) that the catalogue leaves
        out: QBO accepts them on input and ignores them, so the emulator must too."""
        raw = self.schema.raw(name)
        inherited = self.ignored(raw.base) if raw.base else set()
        return inherited | {f.name for f in raw.fields if f.name and not _kept(name, f)}

    def own_fields(self, name: str) -> list[dict[str, Any]]:
        raw = self.schema.raw(name)
        fields: list[dict[str, Any]] = []
        for f in raw.fields:
            if not _kept(name, f):
                continue
            kind, type_name = self.kind_of(f)
            item: dict[str, Any] = {
                "name": f.name,
                "kind": kind,
                "type": type_name,
                "many": f.many,
                "min": f.min_occurs,
                "declared_in": name,
            }
            fields.append(item)
        return fields

    def kind_of(self, f: RawField) -> tuple[str, str]:
        if f.builtin:
            return PRIMITIVES.get(f.type, "string"), f.type
        if f.type == "ReferenceType":
            return "ref", f.type
        if f.type in self.schema.simple:
            kind, values = self.schema.simple_info(f.type)
            if kind == "enum":
                self.enums[f.type] = list(values)
            return kind, f.type
        if f.type in self.schema.complex:
            return "object", f.type
        return "string", f.type  # unknown reference: lenient

    def flattened(self, name: str) -> list[dict[str, Any]]:
        raw = self.schema.raw(name)
        inherited = self.flattened(raw.base) if raw.base else []
        own = self.own_fields(name)
        own_names = {f["name"] for f in own}
        return [f for f in inherited if f["name"] not in own_names] + own

    def add(self, name: str) -> None:
        if name in self.types or name in SKIPPED_TYPES:
            return
        raw = self.schema.raw(name)
        fields = self.flattened(name)
        kept = {f["name"] for f in fields}
        self.types[name] = {
            "base": raw.base,
            "abstract": raw.abstract,
            "fields": fields,
            "ignored": sorted(self.ignored(name) - kept),
        }
        if raw.base:
            self.add(raw.base)
        for f in fields:
            if f["kind"] in ("object", "ref"):
                self.add(f["type"])


def build(xsd_dir: Path) -> dict[str, Any]:
    """The catalogue document, ready to serialise."""
    schema = Schema(xsd_dir)
    builder = Builder(schema)
    entities = sorted(overlay.ENTITIES)
    for name in [*entities, *EXTRA_ROOTS]:
        if name not in schema.complex:
            raise SystemExit(f"entity {name!r} not found in {xsd_dir}")
        builder.add(name)
    return {
        "format": 1,
        "source": "Intuit v3 XSDs (Apache-2.0): names, types and cardinalities only",
        "entities": entities,
        "enums": {k: builder.enums[k] for k in sorted(builder.enums)},
        "types": {k: builder.types[k] for k in sorted(builder.types)},
    }


def render(doc: dict[str, Any]) -> str:
    """Sorted, stable JSON: one field per line so a schema change is a one-line diff."""
    lines = ["{"]
    lines.append(f'  "format": {json.dumps(doc["format"])},')
    lines.append(f'  "source": {json.dumps(doc["source"])},')
    lines.append(f'  "entities": {json.dumps(doc["entities"])},')
    lines.append('  "enums": {')
    enum_items = list(doc["enums"].items())
    for i, (name, values) in enumerate(enum_items):
        comma = "," if i < len(enum_items) - 1 else ""
        lines.append(f"    {json.dumps(name)}: {json.dumps(values)}{comma}")
    lines.append("  },")
    lines.append('  "types": {')
    type_items = list(doc["types"].items())
    for i, (name, tdef) in enumerate(type_items):
        lines.append(f"    {json.dumps(name)}: {{")
        lines.append(f'      "base": {json.dumps(tdef["base"])},')
        lines.append(f'      "abstract": {json.dumps(tdef["abstract"])},')
        lines.append(f'      "ignored": {json.dumps(tdef["ignored"])},')
        fields = tdef["fields"]
        if not fields:
            lines.append('      "fields": []')
        else:
            lines.append('      "fields": [')
            for j, f in enumerate(fields):
                comma = "," if j < len(fields) - 1 else ""
                lines.append(f"        {json.dumps(f)}{comma}")
            lines.append("      ]")
        comma = "," if i < len(type_items) - 1 else ""
        lines.append(f"    }}{comma}")
    lines.append("  }")
    lines.append("}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("xsd_dir", nargs="?", type=Path, default=DEFAULT_XSD_DIR)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--no-models", action="store_true", help="do not regenerate models.py")
    args = parser.parse_args(argv)
    xsd_dir: Path = args.xsd_dir if args.xsd_dir.is_absolute() else REPO / args.xsd_dir
    if not any(xsd_dir.glob("*.xsd")):
        raise SystemExit(
            f"no XSD files in {xsd_dir}.\n"
            "The catalogue is generated from Intuit's QuickBooks Online Accounting API v3 XSD "
            "schemas (Apache-2.0, published with Intuit's Java SDK). Put the .xsd files in a "
            "folder and run: python tools/gen_catalogue.py PATH/TO/XSD_DIR\n"
            "The committed src/qbo/schema/catalogue.json is used until then; nothing else "
            "needs regenerating."
        )
    text = render(build(xsd_dir))
    args.out.write_text(text, encoding="utf-8")
    if not args.no_models:
        import gen_models  # sibling module in tools/

        gen_models.main([])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
