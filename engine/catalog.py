"""The official whisper.cpp ggml models: where each one lives, how big it is, how to check it.

Every entry is a file in the Hugging Face model repository ``ggerganov/whisper.cpp``. The
values were taken from three places and cross-checked:

* SHA-1: the tables that whisper.cpp publishes — ``models/README.md`` in the whisper.cpp source
  (the f16 models and the large q5_0 ones) and the model card of the Hugging Face repository
  (the other quantized ones). The SHA-1s of ``large-v2-q8_0`` and ``large-v3-turbo-q8_0`` are
  the card's values as quoted by several independent projects; every other one was read on an
  official page.
* SHA-256 and exact size: the hub's Git LFS pointers (``oid sha256:…`` and ``size …``) at
  revision ``5359861c739e955e79d9a303bcbc70fb988958b1``, which is what Hugging Face reports as a
  file's SHA-256 and length.

The downloader checks both digests and the size, so a single wrong value here makes a model
impossible to install rather than letting a wrong file through. ``small.en-tdrz`` is left out:
it lives in another repository (``akashmjn/tinydiarize-whisper.cpp``) whose checksum we have not
verified.

Memory figures are estimates: whisper.cpp's README measures the f16 models (tiny ~273 MB,
base ~388 MB, small ~852 MB, medium ~2.1 GB, large ~3.9 GB); the part of that which is not the
file itself (compute buffers, KV cache) is added to each file's size.
"""
from __future__ import annotations

from dataclasses import dataclass

HF_BASE_URL = "https://huggingface.co/ggerganov/whisper.cpp/resolve/main/"
#: The only hosts a catalog download may reach, each with its subdomains: the hub, and the
#: storage and CDN hosts it redirects file requests to (cdn-lfs*.hf.co, cas-bridge.xethub.hf.co,
#: the older cdn-lfs*.huggingface.co; Hugging Face's firewall guidance names these wildcards).
CATALOG_HOSTS = ("huggingface.co", "hf.co")
#: Whisper base with q8_0 weights: measured faster than f16 (0.83x the time) at the same or lower
#: WER, and 82 MB instead of 148 MB (docs/PERFORMANCE.md, bench/engine.py); the quantization the
#: default is provisioned in is DEFAULT_QUANT.
DEFAULT_MODEL = "base-q8_0"
DEFAULT_QUANT = "q8_0"
#: The weight types a model import can write (engine/ggml_writer.py).
QUANT_TYPES = ("f16", "q8_0", "q5_1")

# Bytes of working memory beyond the weights, per model family: whisper.cpp's measured memory
# for the f16 file minus that file's size (see the module docstring).
_WORKING_MEMORY = {
    "tiny": 273_000_000 - 77_691_713,
    "base": 388_000_000 - 147_951_465,
    "small": 852_000_000 - 487_601_967,
    "medium": 2_100_000_000 - 1_533_763_059,
    "large": 3_900_000_000 - 3_095_033_483,
}


def model_filename(name: str) -> str:
    """The file name whisper.cpp uses for a model: ``base`` → ``ggml-base.bin``."""
    return f"ggml-{name}.bin"


def format_size(n_bytes: int) -> str:
    """Binary units the way whisper.cpp's tables show them: ``142 MiB``, ``1.5 GiB``."""
    if n_bytes >= 1 << 30:
        return f"{n_bytes / (1 << 30):.1f} GiB"
    if n_bytes >= 1 << 20:
        return f"{n_bytes / (1 << 20):.0f} MiB"
    if n_bytes >= 1 << 10:
        return f"{n_bytes / (1 << 10):.0f} KiB"
    return f"{n_bytes} B"


@dataclass(frozen=True)
class CatalogEntry:
    """One downloadable model file.

    Attributes:
        name: the whisper.cpp name (``base``, ``small.en``, ``large-v3-turbo-q5_0`` …).
        size_bytes: exact length of the file, or None when unknown (then the server's
            Content-Length is trusted, and the checksum still decides).
        sha1: hex SHA-1 as whisper.cpp lists it, or None.
        sha256: hex SHA-256 as the hub lists it, or None. At least one digest must be set for
            the downloader to accept the entry.
        multilingual: False for the English-only ``.en`` models.
        languages: a short note for people choosing a model.
        quantization: ``q5_0``, ``q5_1`` or ``q8_0``; None for the f16 originals.
    """

    name: str
    size_bytes: int | None
    sha1: str | None
    sha256: str | None
    multilingual: bool
    languages: str
    quantization: str | None = None

    @property
    def filename(self) -> str:
        return model_filename(self.name)

    @property
    def url(self) -> str:
        return HF_BASE_URL + self.filename

    @property
    def family(self) -> str:
        """``tiny``, ``base``, ``small``, ``medium`` or ``large``."""
        return self.name.split(".")[0].split("-")[0]

    @property
    def disk(self) -> str:
        """Approximate download and disk size, e.g. ``142 MiB``; ``?`` when unknown."""
        return format_size(self.size_bytes) if self.size_bytes else "?"

    @property
    def ram(self) -> str:
        """Approximate memory while transcribing on the CPU, e.g. ``~388 MB``."""
        if not self.size_bytes:
            return "?"
        total = self.size_bytes + _WORKING_MEMORY[self.family]
        return f"~{total / 1e9:.1f} GB" if total >= 1e9 else f"~{total / 1e6:.0f} MB"


def _entry(name: str, size: int, sha1: str, sha256: str) -> CatalogEntry:
    english_only = ".en" in name
    base_name = name.split("-q")[0]
    if english_only:
        languages = "English only"
    elif base_name in ("large-v3", "large-v3-turbo"):
        languages = "100 languages (adds Cantonese)"
    else:
        languages = "99 languages"
    quantization = name.rsplit("-", 1)[1] if "-q" in name else None
    return CatalogEntry(name, size, sha1, sha256, not english_only, languages, quantization)


CATALOG: tuple[CatalogEntry, ...] = (
    _entry("tiny", 77_691_713, "bd577a113a864445d4c299885e0cb97d4ba92b5f",
           "be07e048e1e599ad46341c8d2a135645097a538221678b7acdd1b1919c6e1b21"),
    _entry("tiny.en", 77_704_715, "c78c86eb1a8faa21b369bcd33207cc90d64ae9df",
           "921e4cf8686fdd993dcd081a5da5b6c365bfde1162e72b08d75ac75289920b1f"),
    _entry("tiny-q5_1", 32_152_673, "2827a03e495b1ed3048ef28a6a4620537db4ee51",
           "818710568da3ca15689e31a743197b520007872ff9576237bda97bd1b469c3d7"),
    _entry("tiny.en-q5_1", 32_166_155, "3fb92ec865cbbc769f08137f22470d6b66e071b6",
           "c77c5766f1cef09b6b7d47f21b546cbddd4157886b3b5d6d4f709e91e66c7c2b"),
    _entry("tiny-q8_0", 43_537_433, "19e8118f6652a650569f5a949d962154e01571d9",
           "c2085835d3f50733e2ff6e4b41ae8a2b8d8110461e18821b09a15c40c42d1cca"),
    _entry("base", 147_951_465, "465707469ff3a37a2b9b8d8f89f2f99de7299dac",
           "60ed5bc3dd14eea856493d334349b405782ddcaf0028d4b5df4088345fba2efe"),
    _entry("base.en", 147_964_211, "137c40403d78fd54d454da0f9bd998f78703390c",
           "a03779c86df3323075f5e796cb2ce5029f00ec8869eee3fdfb897afe36c6d002"),
    _entry("base-q5_1", 59_707_625, "a3733eda680ef76256db5fc5dd9de8629e62c5e7",
           "422f1ae452ade6f30a004d7e5c6a43195e4433bc370bf23fac9cc591f01a8898"),
    _entry("base.en-q5_1", 59_721_011, "d26d7ce5a1b6e57bea5d0431b9c20ae49423c94a",
           "4baf70dd0d7c4247ba2b81fafd9c01005ac77c2f9ef064e00dcf195d0e2fdd2f"),
    _entry("base-q8_0", 81_768_585, "7bb89bb49ed6955013b166f1b6a6c04584a20fbe",
           "c577b9a86e7e048a0b7eada054f4dd79a56bbfa911fbdacf900ac5b567cbb7d9"),
    _entry("small", 487_601_967, "55356645c2b361a969dfd0ef2c5a50d530afd8d5",
           "1be3a9b2063867b937e64e2ec7483364a79917e157fa98c5d94b5c1fffea987b"),
    _entry("small.en", 487_614_201, "db8a495a91d927739e50b3fc1cc4c6b8f6c2d022",
           "c6138d6d58ecc8322097e0f987c32f1be8bb0a18532a3f88f734d1bbf9c41e5d"),
    _entry("small-q5_1", 190_085_487, "6fe57ddcfdd1c6b07cdcc73aaf620810ce5fc771",
           "ae85e4a935d7a567bd102fe55afc16bb595bdb618e11b2fc7591bc08120411bb"),
    _entry("small.en-q5_1", 190_098_681, "20f54878d608f94e4a8ee3ae56016571d47cba34",
           "bfdff4894dcb76bbf647d56263ea2a96645423f1669176f4844a1bf8e478ad30"),
    _entry("small-q8_0", 264_464_607, "bcad8a2083f4e53d648d586b7dbc0cd673d8afad",
           "49c8fb02b65e6049d5fa6c04f81f53b867b5ec9540406812c643f177317f779f"),
    _entry("medium", 1_533_763_059, "fd9727b6e1217c2f614f9b698455c4ffd82463b4",
           "6c14d5adee5f86394037b4e4e8b59f1673b6cee10e3cf0b11bbdbee79c156208"),
    _entry("medium.en", 1_533_774_781, "8c30f0e44ce9560643ebd10bbe50cd20eafd3723",
           "cc37e93478338ec7700281a7ac30a10128929eb8f427dda2e865faa8f6da4356"),
    _entry("medium-q5_0", 539_212_467, "7718d4c1ec62ca96998f058114db98236937490e",
           "19fea4b380c3a618ec4723c3eef2eb785ffba0d0538cf43f8f235e7b3b34220f"),
    _entry("medium.en-q5_0", 539_225_533, "bb3b5281bddd61605d6fc76bc5b92d8f20284c3b",
           "76733e26ad8fe1c7a5bf7531a9d41917b2adc0f20f2e4f5531688a8c6cd88eb0"),
    _entry("medium-q8_0", 823_369_779, "e66645948aff4bebbec71b3485c576f3d63af5d6",
           "42a1ffcbe4167d224232443396968db4d02d4e8e87e213d3ee2e03095dea6502"),
    _entry("large-v1", 3_094_623_691, "b1caaf735c4cc1429223d5a74f0f4d0b9b59a299",
           "7d99f41a10525d0206bddadd86760181fa920438b6b33237e3118ff6c83bb53d"),
    _entry("large-v2", 3_094_623_691, "0f4c8e34f21cf1a914c59d8b3ce882345ad349d6",
           "9a423fe4d40c82774b6af34115b8b935f34152246eb19e80e376071d3f999487"),
    _entry("large-v2-q5_0", 1_080_732_091, "00e39f2196344e901b3a2bd5814807a769bd1630",
           "3a214837221e4530dbc1fe8d734f302af393eb30bd0ed046042ebf4baf70f6f2"),
    _entry("large-v2-q8_0", 1_656_129_691, "da97d6ca8f8ffbeeb5fd147f79010eeea194ba38",
           "fef54e6d898246a65c8285bfa83bd1807e27fadf54d5d4e81754c47634737e8c"),
    _entry("large-v3", 3_095_033_483, "ad82bf6a9043ceed055076d0fd39f5f186ff8062",
           "64d182b440b98d5203c4f9bd541544d84c605196c4f7b845dfa11fb23594d1e2"),
    _entry("large-v3-q5_0", 1_081_140_203, "e6e2ed78495d403bef4b7cff42ef4aaadcfea8de",
           "d75795ecff3f83b5faa89d1900604ad8c780abd5739fae406de19f23ecd98ad1"),
    _entry("large-v3-turbo", 1_624_555_275, "4af2b29d7ec73d781377bfd1758ca957a807e941",
           "1fc70f774d38eb169993ac391eea357ef47c88757ef72ee5943879b7e8e2bc69"),
    _entry("large-v3-turbo-q5_0", 574_041_195, "e050f7970618a659205450ad97eb95a18d69c9ee",
           "394221709cd5ad1f40c46e6031ca61bce88931e6e088c188294c6d5a55ffa7e2"),
    _entry("large-v3-turbo-q8_0", 874_188_075, "01bf15bedffe9f39d65c1b6ff9b687ea91f59e0e",
           "317eb69c11673c9de1e1f0d459b253999804ec71ac4c23c17ecf5fbe24e259a1"),
)

_BY_NAME = {entry.name: entry for entry in CATALOG}


def find(name: str) -> CatalogEntry | None:
    """The catalog entry called ``name`` (``ggml-NAME.bin`` is accepted too), or None."""
    name = name.strip()
    if name.startswith("ggml-") and name.endswith(".bin"):
        name = name[len("ggml-"):-len(".bin")]
    return _BY_NAME.get(name)


def names() -> tuple[str, ...]:
    """Every catalog name, in catalog order (smallest family first)."""
    return tuple(entry.name for entry in CATALOG)
