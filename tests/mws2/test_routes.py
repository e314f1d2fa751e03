"""Route registration, resolution and path building (portable: pytest and MicroPython)."""

from _portable import raises

from mws2.routes import (
    GET,
    POST,
    AllowedMethods,
    PathFromRoute,
    RegisterRoute,
    ResolveRoute,
    UnregisterRoute,
    WebRoute,
)


def _handler(mws, request):
    pass


def _other(mws, request, args):
    pass


def test_resolve_static_and_argument_routes():
    RegisterRoute(_handler, GET, "/ptest/plain/")
    RegisterRoute(_other, "get", "/ptest/users/<id>/files/<name>", "ptest-files")
    try:
        found = ResolveRoute(GET, "/ptest/plain")
        assert found.Handler is _handler and found.Args == {} and found.Method == "GET"
        assert found.RoutePath == "/ptest/plain" and found.Name is None
        assert ResolveRoute(GET, "/ptest/plain/").Handler is _handler
        assert ResolveRoute(GET, "/PTEST/Plain").Handler is _handler  # literals: any case
        assert ResolveRoute(POST, "/ptest/plain") is None
        found = ResolveRoute(GET, "/ptest/users/0042/files/Report.v1-final.PDF")
        assert found.Args == {"id": 42, "name": "Report.v1-final.PDF"}
        assert found.Name == "ptest-files" and repr(found) == "ptest-files"
        assert ResolveRoute(GET, "/ptest/users/0xFF/files/x").Args["id"] == "0xFF"
        assert ResolveRoute(GET, "/ptest/users/-7/files/x").Args["id"] == -7
        assert ResolveRoute(GET, "/ptest/users/1.5/files/x").Args["id"] == "1.5"
        assert ResolveRoute(GET, "/ptest/users//files/x") is None
        assert ResolveRoute(GET, "/ptest/users/1/files") is None
        assert ResolveRoute(GET, "/ptest/users/1/files/x/y") is None
        assert ResolveRoute(GET, "no-slash") is None and ResolveRoute(5, "/") is None
    finally:
        UnregisterRoute(GET, "/ptest/plain")
        UnregisterRoute(GET, "/ptest/users/<id>/files/<name>")
    assert ResolveRoute(GET, "/ptest/plain") is None


def test_first_registered_route_wins_over_a_later_literal_one():
    # The literal-path index must not change which route answers: an argument route
    # registered earlier still matches first, and a change to the routes is seen.
    RegisterRoute(_other, GET, "/ptest/order/<what>")
    RegisterRoute(_handler, GET, "/ptest/order/about")
    RegisterRoute(_handler, GET, "/ptest/order2/about")
    RegisterRoute(_other, GET, "/ptest/order2/<what>")
    try:
        found = ResolveRoute(GET, "/ptest/order/About/")
        assert found.Handler is _other and found.Args == {"what": "About"}
        assert ResolveRoute(GET, "/ptest/order2/ABOUT").Handler is _handler
        assert ResolveRoute(GET, "/ptest/order2/x").Args == {"what": "x"}
        UnregisterRoute(GET, "/ptest/order/<what>")
        found = ResolveRoute(GET, "/ptest/order/About/")
        assert found.Handler is _handler and found.Args == {}
        assert ResolveRoute(GET, "/ptest/order/other") is None
        RegisterRoute(_other, POST, "/ptest/order/about")
        assert ResolveRoute(POST, "/ptest/order/about").Handler is _other
        assert ResolveRoute("post", "/ptest/order/about").Handler is _other
    finally:
        UnregisterRoute(GET, "/ptest/order/about")
        UnregisterRoute(POST, "/ptest/order/about")
        UnregisterRoute(GET, "/ptest/order2/about")
        UnregisterRoute(GET, "/ptest/order2/<what>")
    assert ResolveRoute(GET, "/ptest/order/about") is None


def test_literal_routes_get_fresh_arguments_each_time():
    RegisterRoute(_handler, GET, "/ptest/fresh")
    try:
        first = ResolveRoute(GET, "/ptest/fresh")
        first.Args["changed"] = 1  # a handler may change its args: not seen by the next
        assert ResolveRoute(GET, "/ptest/fresh").Args == {}
    finally:
        UnregisterRoute(GET, "/ptest/fresh")


def test_decorator_registers_and_returns_the_function():
    @WebRoute(POST, "/ptest/deco", name="ptest-deco")
    def handler(mws, request):
        pass

    try:
        assert ResolveRoute(POST, "/ptest/deco").Handler is handler
        assert AllowedMethods("/ptest/deco") == ["POST"]
        assert PathFromRoute("ptest-deco") == "/ptest/deco"
    finally:
        UnregisterRoute(POST, "/ptest/deco")
    raises(TypeError, WebRoute, _handler)


def test_duplicates_and_bad_arguments():
    RegisterRoute(_handler, GET, "/ptest/dup/<a>")
    try:
        RegisterRoute(_handler, GET, "/ptest/dup/<a>")  # the same route again: harmless
        raises(ValueError, RegisterRoute, _other, GET, "/ptest/dup/<b>")
    finally:
        UnregisterRoute(GET, "/ptest/dup/<a>")
    raises(TypeError, RegisterRoute, "not callable", GET, "/x")
    raises(ValueError, RegisterRoute, _handler, "", "/x")
    raises(TypeError, RegisterRoute, _handler, 5, "/x")
    raises(ValueError, RegisterRoute, _handler, GET, "x")
    raises(ValueError, RegisterRoute, _handler, GET, "")
    raises(ValueError, RegisterRoute, _handler, GET, "/a/<>")
    raises(ValueError, RegisterRoute, _handler, GET, "/a/b<c>")
    raises(ValueError, RegisterRoute, _handler, GET, "/a/<x>/<x>")
    raises(TypeError, RegisterRoute, _handler, GET, "/a", 5)


def test_path_from_route():
    RegisterRoute(_other, GET, "/ptest/Items/<kind>/<id>", "ptest-items")
    try:
        assert PathFromRoute("ptest-items", {"kind": "book", "id": 12}) == "/ptest/Items/book/12"
        raises(ValueError, PathFromRoute, "ptest-items", {"kind": "book"})
        raises(ValueError, PathFromRoute, "ptest-nothing", {})
        raises(ValueError, PathFromRoute, "", {})
        raises(TypeError, PathFromRoute, "ptest-items", [1])
    finally:
        UnregisterRoute(GET, "/ptest/Items/<kind>/<id>")
