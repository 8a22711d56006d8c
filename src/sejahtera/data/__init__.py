"""Microdata: the ``sejahtera/v1`` schema, dataset folders, readers, mappings and validation."""

from sejahtera.data.dataset import Dataset, DatasetWriter, write_dataset
from sejahtera.data.importer import import_dataset
from sejahtera.data.regions import Region, Registry, registry
from sejahtera.data.validate import validate_dataset, validate_frames

__all__ = [
    "Dataset",
    "DatasetWriter",
    "Region",
    "Registry",
    "import_dataset",
    "registry",
    "validate_dataset",
    "validate_frames",
    "write_dataset",
]
