"""The merged catalogue: entities, REST facts and spot checks of XSD-derived types."""

from __future__ import annotations

import pytest

from qbo.schema import Catalogue, EntityKind, Kind, Operation, catalogue

Op = Operation
_READ = {Op.READ, Op.QUERY}
_UPD = {Op.UPDATE, Op.SPARSE_UPDATE}
_NAME_LIST = {Op.CREATE} | _READ | _UPD
_TXN = _NAME_LIST | {Op.DELETE}

# The operations QBO documents per entity (JournalCode is not listed: create, read, query, update).
EXPECTED_OPERATIONS: dict[str, set[Operation]] = {
    **{
        n: _NAME_LIST
        for n in (
            "Account",
            "Class",
            "Department",
            "Customer",
            "Vendor",
            "Employee",
            "Item",
            "PaymentMethod",
            "Term",
            "JournalCode",
        )
    },
    "Invoice": _TXN | {Op.VOID, Op.SEND, Op.PDF},
    "Payment": _TXN | {Op.VOID},
    "BillPayment": _TXN | {Op.VOID},
    "SalesReceipt": _TXN | {Op.VOID, Op.SEND, Op.PDF},
    "Estimate": _TXN | {Op.SEND, Op.PDF},
    "CreditMemo": _TXN | {Op.SEND, Op.PDF},
    "RefundReceipt": _TXN | {Op.SEND, Op.PDF},
    "PurchaseOrder": _TXN | {Op.SEND},
    **{
        n: _TXN
        for n in (
            "Bill",
            "VendorCredit",
            "Purchase",
            "Deposit",
            "Transfer",
            "JournalEntry",
            "TimeActivity",
            "CreditCardPaymentTxn",
            "InventoryAdjustment",
        )
    },
    "RecurringTransaction": {Op.CREATE, Op.DELETE} | _READ,
    "Attachable": _TXN | {Op.DOWNLOAD},
    "TaxAgency": {Op.CREATE} | _READ,
    "CompanyCurrency": {Op.CREATE} | _READ | _UPD,
    "TaxCode": {Op.CREATE} | _READ,
    "TaxRate": {Op.CREATE} | _READ,
    "ExchangeRate": _READ | _UPD,
    "CompanyInfo": _READ | _UPD,
    "Preferences": _READ | _UPD,
    "CustomerType": _READ,
    "Budget": _TXN,
}


@pytest.fixture(scope="module")
def cat() -> Catalogue:
    return catalogue()


def test_catalogue_is_cached() -> None:
    assert catalogue() is catalogue()


def test_every_entity_has_its_rest_facts(cat: Catalogue) -> None:
    assert set(cat.entities) == set(EXPECTED_OPERATIONS)
    for name, ops in EXPECTED_OPERATIONS.items():
        entity = cat.entity(name)
        assert entity.operations == frozenset(ops), name
        assert entity.json_key == name
        if name != "CreditCardPaymentTxn":
            assert entity.path == name.lower()
        assert cat.type(name) is entity.type


def test_paths_and_lookups(cat: Catalogue) -> None:
    assert cat.entity("CreditCardPaymentTxn").path == "creditcardpayment"
    assert cat.entity_by_path("creditcardpayment") is cat.entity("CreditCardPaymentTxn")
    assert cat.entity_by_path("JournalEntry") is cat.entity("JournalEntry")
    assert cat.entity_by_path("creditcardpaymenttxn") is None
    assert cat.find_entity("invoice") is cat.entity("Invoice")
    assert cat.find_entity("nosuch") is None
    assert cat.entity("TaxCode").create_path == "taxservice/taxcode"
    assert cat.entity("TaxRate").create_path == "taxservice/taxcode"
    with pytest.raises(KeyError):
        cat.entity("invoice")
    with pytest.raises(KeyError):
        cat.type("NoSuchType")


def test_kinds_and_cdc(cat: Catalogue) -> None:
    assert cat.entity("Customer").kind is EntityKind.NAME_LIST
    assert cat.entity("Invoice").kind is EntityKind.TRANSACTION
    assert cat.entity("Preferences").kind is EntityKind.OTHER
    no_cdc = {n for n, e in cat.entities.items() if not e.cdc}
    assert no_cdc == {"JournalCode", "TaxAgency", "TimeActivity", "TaxCode", "TaxRate"}


def test_field_spot_checks(cat: Catalogue) -> None:
    display = cat.entity("Customer").fields["DisplayName"]
    assert (display.kind, display.max_length, display.filterable) == (Kind.STRING, 500, True)
    line = cat.entity("Invoice").fields["Line"]
    assert (line.kind, line.many, line.type_name) == (Kind.OBJECT, True, "Line")
    assert not line.filterable and not line.sortable
    customer_ref = cat.entity("Invoice").fields["CustomerRef"]
    assert customer_ref.kind is Kind.REF and customer_ref.filterable and customer_ref.sortable
    assert cat.entity("Invoice").fields["TxnDate"].kind is Kind.DATE
    assert cat.entity("Invoice").fields["TotalAmt"].kind is Kind.DECIMAL
    assert cat.entity("Invoice").fields["TotalAmt"].read_only
    assert cat.entity("Invoice").fields["DocNumber"].max_length == 21
    account_type = cat.entity("Account").fields["AccountType"]
    assert account_type.kind is Kind.ENUM
    assert {"Bank", "Accounts Receivable"} <= set(account_type.enum_values)
    item_type = cat.entity("Item").fields["Type"]
    assert item_type.kind is Kind.ENUM
    assert {"Inventory", "Service", "NonInventory", "Category"} <= set(item_type.enum_values)
    assert cat.entity("Item").fields["Active"].kind is Kind.BOOLEAN
    assert cat.entity("TimeActivity").fields["StartTime"].kind is Kind.DATETIME
    assert cat.entity("Customer").fields["Level"].kind is Kind.INTEGER


def test_line_detail_choice_members_are_optional_fields(cat: Catalogue) -> None:
    line = cat.type("Line")
    for detail in (
        "SalesItemLineDetail",
        "DiscountLineDetail",
        "SubTotalLineDetail",
        "JournalEntryLineDetail",
        "DescriptionLineDetail",
        "GroupLineDetail",
    ):
        f = line.fields[detail]
        assert f.kind is Kind.OBJECT and f.min_occurs == 0 and f.type_name == detail
    assert "LineEx" not in line.fields  # IntuitAnyType extension point skipped
    assert "DescriptionOnly" in line.fields["DetailType"].enum_values
    assert cat.type("SalesItemLineDetail").fields["Qty"].kind is Kind.DECIMAL


def test_inheritance_is_flattened_inherited_first(cat: Catalogue) -> None:
    fields = list(cat.entity("Customer").fields)
    assert fields[:3] == ["Id", "SyncToken", "MetaData"]
    assert cat.entity("Customer").fields["Id"].declared_in == "IntuitEntity"
    assert cat.entity("Customer").fields["DisplayName"].declared_in == "NameBase"
    assert cat.entity("Customer").type.base == "NameBase"
    invoice = cat.entity("Invoice")
    assert invoice.fields["TxnDate"].declared_in == "Transaction"
    assert invoice.fields["CustomerRef"].declared_in == "SalesTransaction"
    assert list(invoice.fields).index("TxnDate") < list(invoice.fields).index("Deposit")
    assert "IntuitEntity" in cat.types and cat.type("IntuitEntity").abstract


def test_metadata_type_and_read_only(cat: Catalogue) -> None:
    meta = cat.entity("Customer").fields["MetaData"]
    assert (meta.kind, meta.type_name, meta.read_only) == (
        Kind.OBJECT,
        "ModificationMetaData",
        True,
    )
    mmd = cat.type("ModificationMetaData")
    for name in ("CreateTime", "LastUpdatedTime"):
        assert mmd.fields[name].kind is Kind.DATETIME
        assert mmd.fields[name].filterable and mmd.fields[name].sortable
    customer = cat.entity("Customer")
    for name in ("Id", "SyncToken", "Balance", "BalanceWithJobs", "FullyQualifiedName"):
        assert customer.fields[name].read_only, name
    assert not customer.fields["DisplayName"].read_only
    assert cat.entity("Payment").fields["UnappliedAmt"].read_only
    assert not cat.entity("Payment").fields["TotalAmt"].read_only  # given by the client
    assert cat.entity("Account").fields["CurrentBalance"].read_only


def test_reference_and_simple_content_types(cat: Catalogue) -> None:
    ref = cat.type("ReferenceType")
    assert list(ref.fields) == ["value", "name", "type"]
    memo = cat.type("MemoRef")
    assert memo.fields["value"].kind is Kind.STRING


def test_desktop_only_fields_are_left_out(cat: Catalogue) -> None:
    customer = cat.entity("Customer").fields
    for name in (
        "ContactName",
        "AltContactName",
        "SalesRepRef",
        "OtherAddr",
        "PriceLevelRef",
        "CreditLimit",
    ):
        assert name not in customer, name
    assert "CompanyFileName" not in cat.entity("CompanyInfo").fields
    assert "BankNum" not in cat.entity("Account").fields
    assert "PrintGroupedItems" not in cat.entity("Item").fields
    assert "TemplateRef" not in cat.entity("Invoice").fields
    # marked QBW in the XSD but used by QBO: kept by the overlay
    assert "Active" in cat.entity("Item").fields
    assert "SalesTermRef" in cat.entity("Invoice").fields
    assert "LineNum" in cat.type("Line").fields
    # described for both products: kept by the rule itself
    assert "Line1" in cat.type("PhysicalAddress").fields
    assert "GivenName" in customer


def test_required_groups(cat: Catalogue) -> None:
    assert cat.entity("Account").required == (("Name",), ("AccountType", "AccountSubType"))
    assert cat.entity("Customer").required[0][0] == "DisplayName"
    assert "GivenName" in cat.entity("Vendor").required[0]
    assert cat.entity("Invoice").required == (("CustomerRef",), ("Line",))
    assert cat.entity("Transfer").required == (("FromAccountRef",), ("ToAccountRef",), ("Amount",))
    assert cat.entity("TaxAgency").required == (("DisplayName",),)
    for entity in cat.entities.values():
        for group in entity.required:
            for name in group:
                assert name in entity.fields, (entity.name, name)


def test_indexed_and_lengths_name_real_fields(cat: Catalogue) -> None:
    assert "DisplayName" in cat.entity("Customer").indexed
    assert {"TxnDate", "CustomerRef", "DocNumber"} <= set(cat.entity("Invoice").indexed)
    assert "AccountType" in cat.entity("Account").indexed
    for entity in cat.entities.values():
        for name, length in entity.max_lengths.items():
            assert entity.fields[name].kind is Kind.STRING and length > 0
    assert cat.entity("Customer").max_lengths["GivenName"] == 100
    assert cat.entity("Customer").max_lengths["Notes"] == 2000
    assert cat.type("PhysicalAddress").fields["Line1"].max_length == 500


def test_top_level_filterability_rule(cat: Catalogue) -> None:
    invoice = cat.entity("Invoice").fields
    assert invoice["TotalAmt"].filterable and invoice["Balance"].filterable
    assert invoice["Id"].filterable and invoice["DocNumber"].sortable
    assert not invoice["BillAddr"].filterable  # nested object
    assert not invoice["MetaData"].filterable  # addressed as MetaData.CreateTime instead
    assert not invoice["LinkedTxn"].filterable  # list


# Fields the guide (sections 3, 13, 14) relies on; the XSD marks some of them desktop-only.
GUIDE_FIELDS = {
    "Invoice": "AllowIPNPayment AllowOnlinePayment AllowOnlineCreditCardPayment "
    "AllowOnlineACHPayment FreeFormAddress PrintStatus EmailStatus ApplyTaxAfterDiscount "
    "Deposit BillEmail SalesTermRef LinkedTxn CustomField TxnTaxDetail DeliveryInfo "
    "HomeTotalAmt CurrencyRef ExchangeRate ShipAddr BillAddr DueDate Balance TotalAmt",
    "Customer": "Balance BalanceWithJobs Active Job BillWithParent Taxable "
    "PreferredDeliveryMethod FullyQualifiedName PrintOnCheckName CurrencyRef ParentRef",
    "LinkedTxn": "TxnId TxnType TxnLineId",
    "SalesFormsPrefs": "CustomTxnNumbers",
    "CurrencyPrefs": "MultiCurrencyEnabled HomeCurrency",
    "TransactionDeliveryInfo": "DeliveryType DeliveryTime",
    "SalesItemLineDetail": "ItemRef ItemAccountRef TaxCodeRef Qty UnitPrice",
    "DiscountLineDetail": "PercentBased DiscountPercent DiscountAccountRef",
    "TxnTaxDetail": "TxnTaxCodeRef TotalTax TaxLine",
    "Item": "IncomeAccountRef ExpenseAccountRef AssetAccountRef QtyOnHand InvStartDate "
    "TrackQtyOnHand",
    "BillPaymentCheck": "BankAccountRef",
    "BillPaymentCreditCard": "CCAccountRef",
    "TimeActivity": "NameOf Hours Minutes StartTime EndTime EmployeeRef VendorRef",
    "JournalEntryLineDetail": "PostingType AccountRef Entity",
    "ModificationMetaData": "CreateTime LastUpdatedTime LastModifiedByRef",
}


@pytest.mark.parametrize("type_name", sorted(GUIDE_FIELDS))
def test_fields_the_guide_relies_on_exist(cat: Catalogue, type_name: str) -> None:
    fields = cat.type(type_name).fields
    assert [f for f in GUIDE_FIELDS[type_name].split() if f not in fields] == []


def test_overlay_names_real_fields(cat: Catalogue) -> None:
    """A typo in the overlay would silently do nothing; catch it here."""
    from qbo.schema import overlay

    for name, facts in overlay.ENTITIES.items():
        fields = cat.entity(name).fields
        read_only = facts.read_only - overlay.COMPUTED_AMOUNTS  # shared set, applied as fits
        named = {*facts.indexed, *read_only, *facts.max_lengths, *facts.not_filterable}
        assert named - set(fields) == set(), name
    for type_name, lengths in overlay.TYPE_MAX_LENGTHS.items():
        assert set(lengths) <= set(cat.type(type_name).fields), type_name
    for type_name, kept in overlay.KEEP_DESKTOP_FIELDS.items():
        assert kept <= set(cat.type(type_name).fields), type_name
