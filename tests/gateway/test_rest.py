"""REST: the Jupyter kernel gateway API, its JSON shapes, its auth and its errors."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from gwtools import GatewayProcess, WSClient, rest, start_kernel
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_server.services.kernelspecs.handlers import kernelspec_model
from tornado.httpclient import AsyncHTTPClient, HTTPRequest

from gateway.app import GatewayApp


async def test_api_version(gateway: GatewayProcess) -> None:
    status, body = await rest(gateway, "GET", "/api")
    assert status == 200 and isinstance(body["version"], str)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api"),
        ("GET", "/api/kernelspecs"),
        ("GET", "/api/kernels"),
        ("POST", "/api/kernels"),
        ("GET", "/api/sessions"),
        ("POST", "/api/sessions"),
        ("GET", "/kernelspecs/python3/logo-64x64.png"),
    ],
)
async def test_token_is_required(gateway: GatewayProcess, method: str, path: str) -> None:
    status, body = await rest(gateway, method, path, headers={})
    assert status == 401 and "token" in body["message"].lower()
    status, body = await rest(gateway, method, path, headers={"Authorization": "token wrong"})
    assert status == 403 and body["message"]


async def test_token_in_query_and_bearer(gateway: GatewayProcess) -> None:
    assert (await rest(gateway, "GET", f"/api/kernels?token={gateway.token}", headers={}))[0] == 200
    bearer = {"Authorization": f"Bearer {gateway.token}"}
    assert (await rest(gateway, "GET", "/api/kernels", headers=bearer))[0] == 200


async def test_kernelspecs_have_jupyter_servers_shape(
    gateway: GatewayProcess, gateway_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JUPYTER_PATH", gateway_env["JUPYTER_PATH"])
    for entry in reversed(gateway_env["PYTHONPATH"].split(":")):
        monkeypatch.syspath_prepend(entry)  # so the test provisioner is available here too
    status, body = await rest(gateway, "GET", "/api/kernelspecs")
    assert status == 200 and body["default"] == "python3"

    class Handler:  # what jupyter_server's kernelspec_model reads from its handler
        base_url = "/"

    expected = {
        name: kernelspec_model(Handler(), name, info["spec"], info["resource_dir"])
        for name, info in KernelSpecManager().get_all_specs().items()
    }
    assert body["kernelspecs"] == expected
    assert {"python3", "reactive", "marked"} <= set(body["kernelspecs"])
    assert "logo-64x64" in body["kernelspecs"]["python3"]["resources"]


async def test_one_kernelspec_and_its_resources(gateway: GatewayProcess) -> None:
    status, body = await rest(gateway, "GET", "/api/kernelspecs/reactive")
    assert status == 200 and body["spec"]["display_name"] == "Python 3 (reactive)"
    assert (await rest(gateway, "GET", "/api/kernelspecs/nope"))[0] == 404
    logo = body["resources"].get("logo-64x64") or next(iter(body["resources"].values()), None)
    if logo:
        status, data = await rest(gateway, "GET", logo)
        assert status == 200 and isinstance(data, bytes) and len(data) > 100
    for bad in ("/kernelspecs/python3/..%2Fkernel.json", "/kernelspecs/python3/missing.png"):
        status, data = await rest(gateway, "GET", bad)
        assert status == 404 and data["message"]


async def test_kernel_lifecycle(gateway: GatewayProcess) -> None:
    model = await start_kernel(gateway)
    kid = model["id"]
    assert model["name"] == "python3" and model["execution_state"] == "idle"
    assert set(model) >= {"id", "name", "last_activity", "execution_state", "connections"}
    status, listed = await rest(gateway, "GET", "/api/kernels")
    assert status == 200 and kid in [k["id"] for k in listed]
    status, got = await rest(gateway, "GET", f"/api/kernels/{kid}")
    assert status == 200 and got["id"] == kid
    assert (await rest(gateway, "POST", f"/api/kernels/{kid}/interrupt"))[0] == 204
    status, restarted = await rest(gateway, "POST", f"/api/kernels/{kid}/restart")
    assert status == 200 and restarted["id"] == kid and restarted["execution_state"] == "idle"
    assert (await rest(gateway, "DELETE", f"/api/kernels/{kid}"))[0] == 204
    status, body = await rest(gateway, "GET", f"/api/kernels/{kid}")
    assert status == 404 and kid in body["message"]


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"name": "no-such-kernel"}, 404),
        ({"name": 5}, 400),
        ({"path": "../up"}, 400),
        ({"path": "/"}, 403),
    ],
)
async def test_bad_kernel_requests(
    gateway: GatewayProcess, body: dict[str, Any], status: int
) -> None:
    got, error = await rest(gateway, "POST", "/api/kernels", body)
    assert got == status and error["message"]


async def test_bad_json_body(gateway: GatewayProcess) -> None:
    request = HTTPRequest(
        gateway.url + "/api/kernels", method="POST", body="{nope", headers=gateway.auth
    )
    response = await AsyncHTTPClient().fetch(request, raise_error=False)
    assert response.code == 400 and b"JSON" in response.body


async def test_unknown_ids_and_endpoints(gateway: GatewayProcess) -> None:
    zero = "00000000-0000-0000-0000-000000000000"
    for method, path in [
        ("GET", f"/api/kernels/{zero}"),
        ("DELETE", f"/api/kernels/{zero}"),
        ("POST", f"/api/kernels/{zero}/restart"),
        ("GET", "/api/sessions/x"),
        ("GET", "/api/nothing-here"),
    ]:
        status, body = await rest(gateway, method, path)
        assert status == 404 and body["message"], (method, path)


async def test_kernel_working_dir(gateway: GatewayProcess) -> None:
    """``path`` (inside the root) is the kernel's cwd; a peer's foreign
    ``KERNEL_WORKING_DIR`` is ignored rather than refused."""
    (gateway.root / "work").mkdir(exist_ok=True)
    model = await start_kernel(
        gateway,
        path="work",
        env={"KERNEL_WORKING_DIR": "/elsewhere", "KERNEL_X": "1", "OTHER": "2"},
    )
    client = await WSClient.connect(gateway, model["id"])
    try:
        result = await client.execute(
            "import os; print(os.getcwd(), os.environ.get('KERNEL_X'), os.environ.get('OTHER'))"
        )
        cwd, x, other = result.stdout().split()
        assert Path(cwd) == (gateway.root / "work").resolve() and x == "1" and other == "None"
    finally:
        await client.close()
        await rest(gateway, "DELETE", f"/api/kernels/{model['id']}")


def test_root_dir_defaults_to_cwd() -> None:
    assert GatewayApp().root_dir == os.getcwd()
