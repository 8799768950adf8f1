"""A typed client for the talent consent and digital-replica registry, for pipelines.

Standard library HTTP (``urllib``) and joserfc for receipts; no Flask. See the package's
README for a render-farm pre-flight with ``registry-ask`` and a Python example.

    from registry_client import RegistryClient, UseRequest, Facts

    client = RegistryClient.from_env()          # REGISTRY_URL, REGISTRY_TOKEN
    asked = client.ask(UseRequest(kind="alteration", production_id="prd_...",
                                  performer_id="prf_...", media=("voice",),
                                  description="Scene 12: noise reduction",
                                  facts=Facts(changes=("noise_reduction",))))
    asked.decision.outcome, asked.decision.next_step
    client.verify_decision(asked.decision)      # the signed receipt, checked offline
"""

from registry_client._version import __version__
from registry_client.client import RegistryClient, read_token_file
from registry_client.errors import (
    ApiError,
    ManifestError,
    ReceiptError,
    RegistryError,
    Unreachable,
)
from registry_client.manifest import files_of, hash_folder, read_manifest, sha256_file
from registry_client.models import (
    Asset,
    CutReport,
    Decision,
    DeclarationFacts,
    DeclarationRecord,
    Facts,
    FileCheck,
    GenAIDeclaration,
    Production,
    RequestRecord,
    Rule,
    TrainingSource,
    Triage,
    UseRequest,
)
from registry_client.receipts import load_jwks, verify_receipt

__all__ = [
    "ApiError",
    "Asset",
    "CutReport",
    "Decision",
    "DeclarationFacts",
    "DeclarationRecord",
    "Facts",
    "FileCheck",
    "GenAIDeclaration",
    "ManifestError",
    "Production",
    "ReceiptError",
    "RegistryClient",
    "RegistryError",
    "RequestRecord",
    "Rule",
    "TrainingSource",
    "Triage",
    "Unreachable",
    "UseRequest",
    "__version__",
    "files_of",
    "hash_folder",
    "load_jwks",
    "read_manifest",
    "read_token_file",
    "sha256_file",
    "verify_receipt",
]
