import time

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


class SessionRefreshMiddleware:
    """Keeps a signed-in session alive while it is used, writing it at most once a minute.

    Sessions end after SESSION_COOKIE_AGE idle seconds (30 minutes): each write moves the
    expiry on. Django's SESSION_SAVE_EVERY_REQUEST would write the session row on every
    request, a database write per page view; here only a request more than
    SESSION_REFRESH_SECONDS after the last write marks it modified, so the idle timeout is
    kept to within that minute.
    """

    KEY = "_refreshed_at"

    def __init__(self, get_response):
        self.get_response = get_response
        self.every = settings.SESSION_REFRESH_SECONDS

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        # An empty session (an anonymous visitor) is not created just to be refreshed.
        if session is not None and not session.is_empty():
            now = int(time.time())
            if session.modified or now - session.get(self.KEY, 0) >= self.every:
                session[self.KEY] = now
        return response
