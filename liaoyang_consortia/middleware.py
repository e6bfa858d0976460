from django.conf import settings
from django.utils import translation


class PortalLocaleMiddleware:
    """Chinese for everyone unless the user chose another language (the language cookie).

    Django's LocaleMiddleware would follow the browser's Accept-Language, and a clerk whose
    browser says "en-US" would get a half-English portal: the bureau's language is Chinese.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.available = {code for code, _ in settings.LANGUAGES}

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.available else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response
