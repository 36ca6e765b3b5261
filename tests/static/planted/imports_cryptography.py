# Planted leak for the static-check tests: never imported, never run.
from cryptography.fernet import Fernet

KEY = Fernet.generate_key()
