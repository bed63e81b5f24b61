"""A kernel provisioner for tests: a LocalProvisioner that leaves marks.

It is registered under the ``jupyter_client.kernel_provisioners`` entry point
by a ``.dist-info`` the test fixtures put on the gateway's ``PYTHONPATH`` (the
documented discovery mechanism, without installing anything), and named by a
test kernelspec's ``metadata.kernel_provisioner.provisioner_name``. It sets
``GATEWAY_TEST_PROVISIONER`` in the kernel's environment and appends the
kernel id to the file named by ``GATEWAY_TEST_PROVISIONER_LOG``, so a test can
prove the gateway launched the kernel through it.
"""

from __future__ import annotations

import os
from typing import Any

from jupyter_client.provisioning import LocalProvisioner


class MarkingProvisioner(LocalProvisioner):  # type: ignore[misc]
    async def pre_launch(self, **kwargs: Any) -> dict[str, Any]:
        kwargs = await super().pre_launch(**kwargs)
        kwargs["env"]["GATEWAY_TEST_PROVISIONER"] = str(self.kernel_id)
        log = os.environ.get("GATEWAY_TEST_PROVISIONER_LOG")
        if log:
            with open(log, "a") as f:
                f.write(f"{self.kernel_id}\n")
        return kwargs
