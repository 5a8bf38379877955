"""A NUL character in an address is refused with a clear message, on both engines (PostgreSQL
would otherwise fail on the lookup and answer 500)."""

import pytest

ADDRESSES = [
    "/verify?reference=DW-2026-%000001",
    "/register/DW-2026-0001%00",
    "/register?q=a%00b",
    "/api/v1/questionnaires/sample%00/versions/1",
    "/archive?q=%00",
]


@pytest.mark.parametrize("address", ADDRESSES)
def test_it_refuses_a_nul_in_the_address_with_a_message(client, address):
    response = client.get(address, headers={"Accept-Language": "nl"})
    assert response.status_code == 422
    assert "tekens die niet zijn toegestaan" in response.text


def test_it_still_answers_an_ordinary_lookup(client):
    response = client.get("/verify?reference=DW-2026-0001")
    assert response.status_code < 500
    assert "tekens die niet zijn toegestaan" not in response.text
