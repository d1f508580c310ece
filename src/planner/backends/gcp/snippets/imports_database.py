import ssl

import pg8000.native  # type: ignore[import-untyped]  # pg8000 ships no type hints
import pymysql
