"""Our BigQuery copies of the GDELT tables: the client, and creating and loading the tables.

`client` needs only google-cloud-bigquery (the functions import it); `tables` also needs
pyarrow, so import it explicitly where loading happens.
"""

from mentionfleet.warehouse.client import make_client

__all__ = ["make_client"]
