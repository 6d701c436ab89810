"""Our own date and number formats per language (settings.FORMAT_MODULE_PATH).

Django's locale data is used wherever it suits; a language gets a module here
only for what people write otherwise than Django assumes.
"""
