import urllib.request
from urllib.parse import urlsplit

import google.auth.transport.requests
import google.oauth2.id_token
