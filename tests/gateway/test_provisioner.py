"""Kernels start through jupyter_client, so a kernelspec's provisioner is honoured."""

from __future__ import annotations

from pathlib import Path

from gwtools import GatewayProcess, WSClient, rest, start_kernel


async def test_kernelspec_provisioner_launches_the_kernel(
    gateway: GatewayProcess, gateway_env: dict[str, str]
) -> None:
    model = await start_kernel(gateway, "marked")
    assert model["execution_state"] == "idle"
    log = Path(gateway_env["GATEWAY_TEST_PROVISIONER_LOG"])
    assert model["id"] in log.read_text().split()
    client = await WSClient.connect(gateway, model["id"])
    try:
        result = await client.execute("import os; print(os.environ['GATEWAY_TEST_PROVISIONER'])")
        assert result.stdout().strip() == model["id"]
    finally:
        await client.close()
        await rest(gateway, "DELETE", f"/api/kernels/{model['id']}")


async def test_kernels_without_a_provisioner_stanza_use_the_local_one(
    gateway: GatewayProcess, gateway_env: dict[str, str]
) -> None:
    model = await start_kernel(gateway, "python3")
    log = Path(gateway_env["GATEWAY_TEST_PROVISIONER_LOG"])
    assert not log.exists() or model["id"] not in log.read_text().split()
    await rest(gateway, "DELETE", f"/api/kernels/{model['id']}")
