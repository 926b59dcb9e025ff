"""Database errors become the store's own, with the driver's first line only.

A black-box tester saw UNAVAILABLE messages carry the statement PostgreSQL
quoted after its message (``LINE 2: FROM credential JOIN stack_link …``) to
the gRPC client.
"""

from __future__ import annotations

from sqlalchemy import exc

from hub.store.errors import StoreUnavailable
from hub.store.sql.errors import translate


class TestDriverText:
    def test_only_the_drivers_first_line_reaches_the_message(self) -> None:
        driver = Exception("canceling statement due to lock timeout\n"
                           "LINE 2: FROM credential JOIN stack_link ON stack_link.credential_id"
                           "\n             ^")
        error = translate(exc.OperationalError("SELECT …", {}, driver), "reading")
        assert isinstance(error, StoreUnavailable)
        assert "canceling statement due to lock timeout" in str(error)
        assert "LINE 2" not in str(error) and "\n" not in str(error)

    def test_a_long_first_line_is_cut(self) -> None:
        error = translate(exc.OperationalError("SELECT …", {}, Exception("x" * 5000)), "reading")
        assert error is not None and len(str(error)) < 400

    def test_an_empty_driver_text_names_the_error(self) -> None:
        error = translate(exc.OperationalError("SELECT …", {}, Exception("")), "reading")
        assert error is not None and "OperationalError" in str(error)
