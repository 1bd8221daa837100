#!/usr/bin/env python3
"""Seeds a freshly started Omni for fuzzing and writes the schemathesis configuration.

    python3 .ci/fuzz-seed.py BASE_URL TOKEN DATA_DIR OUT.toml

Random ids reach only the 404 of an operation on one resource. So that the fuzzer also reaches the
code behind it, this creates one resource of each kind that the demo data lacks (a cart, a partner
order with items, a product order, a cancellation, qualification answers, a care order still
pending), and binds the `id` path parameter and the id fields of bodies to dictionaries of real ids,
used in half of the examples. Deletes get ids of their own, so that they do not remove what the
other operations read.
"""

import json
import os
import sys
import urllib.error
import urllib.request
from pathlib import Path

BASE, TOKEN, DATA, OUT = sys.argv[1], sys.argv[2], Path(sys.argv[3]), Path(sys.argv[4])
HEADERS = {
    "Authorization": f"Bearer {TOKEN}",
    "Content-Type": "application/json",
    "channelId": "ECOMM",
    # Care calls must name the token's own client (fuzz.sh mints it with --client).
    "X-ATT-ClientId": os.environ.get("OMNI_FUZZ_CLIENT", "omni-fuzz"),
    "X-ATT-ConversationId": "fuzz-seed",
    "X-ATT-MessageId": "fuzz-seed",
    "idpctx-appname": "omni-fuzz",
}


def post(path, body, expect=(200, 201, 202)):
    request = urllib.request.Request(
        BASE + path, data=json.dumps(body).encode(), headers=HEADERS, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status, text = response.status, response.read().decode()
    except urllib.error.HTTPError as e:
        status, text = e.code, e.read().decode()
    if status not in expect:
        sys.exit(f"fuzz-seed: POST {path} answered {status}: {text[:500]}")
    return json.loads(text) if text else {}


def demo_ids(relative):
    items = json.loads((DATA / relative).read_text())
    if isinstance(items, dict):
        items = next(v for v in items.values() if isinstance(v, list))
    return [item["id"] for item in items]


TMF620 = "/tmf-api/productCatalogManagement/v4"
TMF622 = "/tmf-api/productOrderingManagement/v4"
ids = {kind: demo_ids(f"catalog/{kind}.json") for kind in
       ["catalog", "category", "productOffering", "productOfferingPrice", "productSpecification"]}
ids["promotion"] = demo_ids("promotions/promotions.json")
ids["validationRuleSet"] = demo_ids("rules/rule-sets.json")

cart = lambda: post("/tmf-api/shoppingCart/v4/shoppingCart", {"cartItem": [
    {"id": "1", "productOffering": {"id": "0b690f7e-3f41-49bf-a6cf-6f65caa650ca"}},
    {"id": "2", "productOffering": {"id": "Mobile_Device_pkey73001_sku2680262"}},
    {"id": "3", "productOffering": {"id": "790650ec-b512-4bee-ae7f-535668eadf1b"}}]})["id"]
ids["shoppingCart"] = [cart(), cart()]

# A new line for cust-1001 that the demo data accepts (TMF622 orders are
# checked like captured ones); its start date is far ahead, so the order
# worker leaves it acknowledged and cancellable.
product_order = lambda: post(f"{TMF622}/productOrder", {
    "requestedStartDate": "2099-01-01T00:00:00Z",
    "channel": [{"id": "ECOMM"}],
    "relatedParty": [{"id": "cust-1001", "role": "customer", "@referredType": "Individual"}],
    "billingAccount": {"id": "556165899573"},
    "productOrderItem": [{"id": "1", "action": "add",
                          "productOffering": {"id": "0b690f7e-3f41-49bf-a6cf-6f65caa650ca"}}]})["id"]
ids["productOrder"] = [product_order(), product_order()]
# Orders that cancellation requests may name (a cancelled order is final).
cancellable = [product_order() for _ in range(3)]
cancelled = product_order()
ids["cancelProductOrder"] = [post(f"{TMF622}/cancelProductOrder", {
    "productOrder": {"id": cancelled}, "cancellationReason": "fuzz seed"})["id"]]

ids["productOfferingQualification"] = [post(
    "/tmf-api/productOfferingQualification/v4/productOfferingQualification",
    {"channel": {"id": "SelfService"},
     "productOfferingQualificationItem": [{"id": "1", "productOffering": {"id": "BB_Plan_fiber-5000"}}]})["id"]]
ids["checkServiceQualification"] = [post(
    "/tmf-api/serviceQualificationManagement/v4/checkServiceQualification",
    {"serviceQualificationItem": [{"id": "1", "service": {
        "serviceSpecification": {"id": "fiber"},
        "place": [{"id": "00010LVFT8", "role": "installationAddress"}]}}]})["id"]]

partner_order = post("/omni-svcs/v1/order/create", {
    "channel": "ATTR", "relatedParty": [{"id": "cust-1001", "role": "customer"}]})["id"]
items = Path(__file__).resolve().parent.parent / "crates/omni/tests/orders_page_items.json"
post(f"/omni-svcs/v1/order/{partner_order}/items", json.loads(items.read_text()))
empty_order = post("/omni-svcs/v1/order/create", {"channel": "ECOMM"})["id"]
orders = [partner_order, empty_order]
# An order ready to submit (the README's walk-through), for the submit operation alone.
ready = post("/omni-svcs/v1/order/create", {
    "channel": "ATTR", "relatedParty": [{"id": "cust-1001", "role": "customer"}]})["id"]
post(f"/omni-svcs/v1/order/{ready}/items", json.loads(items.read_text()))
post(f"/omni-svcs/v1/order/{ready}/terms", {"agreements": [{"name": n} for n in [
    "ServiceAgreement", "BYODTerms", "eSIMTerms", "EarlyTerminationAcknowledgement"]]})
post(f"/omni-svcs/v1/order/{ready}/fulfillment", {"optionId": "standardShipping", "shippingAddress": {
    "addressLine1": "123 Main St", "city": "Dallas", "state": "TX", "zipCode": "75201"}})
# Paid only when something is due today (a 400 says nothing is).
post("/omni-svcs/v1/payment-methods", {"orderId": ready, "card": {
    "number": "4242424242424242", "expiryMonth": 12, "expiryYear": 2031, "cvv": "123",
    "holderName": "Jordan Rivera"}}, expect=(201, 400))

care = post("/api/orderingMobility/v1/careOrder", {"careOrderRequest": {
    "foundationAccountNumber": "81730304", "accountGroupId": "73001012763",
    "changeRequest": [{"type": "suspend", "changeRequestId": "s1", "ctn": "1234567893",
                       "suspendServiceReason": "Lost", "effectiveDate": "nextBillingCycle"}]}})
care_orders = [care["careOrderResponse"]["orderId"]]
subscribers = [s["ctn"] for s in json.loads((DATA / "inventory/subscribers.json").read_text())]
account_groups = [g["id"] for a in json.loads((DATA / "inventory/accounts.json").read_text())
                  for g in a.get("accountGroups", [])]


def toml_list(values):
    return "[" + ", ".join(json.dumps(v) for v in values) + "]"


lines = [
    "# Written by .ci/fuzz-seed.py for one fuzzing run: real ids of the seeded server.",
    "[dictionaries]",
]
dictionaries = {}


def dictionary(name, values):
    dictionaries[name] = values
    lines.append(f"{name} = {{ values = {toml_list(values)} }}")


def bind(methods, path_regex, bindings):
    """Binds parameters of the operations `METHOD /path` that match to dictionaries, half of the
    time. One name pattern: separate include filters of schemathesis are alternatives, not all
    required."""
    table = ", ".join(f'"{k}" = {{ dictionary = "{d}", probability = 0.5 }}' for k, d in bindings.items())
    # A TOML literal string keeps the pattern as written; `{id}` is no quantifier, so it is literal.
    operations.extend(["", "[[operations]]", f"include-name-regex = '^({methods}) {path_regex}$'",
                       f"parameters = {{ {table} }}"])


operations = []
kinds = {
    TMF620: ["catalog", "category", "productOffering", "productOfferingPrice", "productSpecification"],
    "/tmf-api/promotionManagement/v4": ["promotion"],
    "/tmf-api/shoppingCart/v4": ["shoppingCart", "validationRuleSet"],
    TMF622: ["productOrder", "cancelProductOrder"],
    "/tmf-api/productOfferingQualification/v4": ["productOfferingQualification"],
    "/tmf-api/serviceQualificationManagement/v4": ["checkServiceQualification"],
}
for base, names in kinds.items():
    for kind in names:
        values = ids[kind]
        # The last id of a kind with several is the one deletes may remove.
        keep, spare = (values[:-1], values[-1:]) if len(values) > 1 else (values, [])
        dictionary(kind, keep)
        bind("GET|PATCH", f"{base}/{kind}/{{id}}", {"path.id": kind})
        if spare:
            dictionary(f"{kind}Spare", spare)
            bind("DELETE", f"{base}/{kind}/{{id}}", {"path.id": f"{kind}Spare"})
dictionary("offering", ids["productOffering"][:20])
bind("GET", "/msapi/cpopoffer/v1/product-offers/{id}", {"path.id": "offering"})
dictionary("partnerOrder", orders)
bind("GET", "/omni-svcs/v1/order/{id}", {"path.id": "partnerOrder"})
bind("POST", "/omni-svcs/v1/order/{id}/(items|terms|fulfillment)", {"path.id": "partnerOrder"})
dictionary("readyOrder", [ready])
bind("POST", "/omni-svcs/v1/order/{id}/submit", {"path.id": "readyOrder"})
dictionary("cancellableOrder", cancellable)
bind("POST", f"{TMF622}/cancelProductOrder", {"body.productOrder.id": "cancellableOrder"})
bind("POST", "/omni-svcs/v1/(terms|fulfillment-options|payment-methods)", {"body.orderId": "partnerOrder"})
dictionary("careOrder", care_orders)
bind("POST", "/api/orderingMobility/v1/orderStatus/CareOrder", {"body.orderStatusRequest.orderId": "careOrder"})
bind("POST", "/api/orderingMobility/v1/orderCancellation", {"body.orderCancellationRequest.orderId": "careOrder"})
dictionary("ctn", subscribers)
dictionary("accountGroup", account_groups)
bind("POST", "/api/orderingMobility/v1/careAccount",
     {"body.careAccountRequest.ctn": "ctn", "body.careAccountRequest.accountGroupId": "accountGroup"})

OUT.write_text("\n".join(lines + operations) + "\n")
print(f"fuzz-seed: {sum(len(v) for v in dictionaries.values())} ids in {len(dictionaries)} dictionaries",
      file=sys.stderr)
