"""The sample feeds the demo's sources read (only when ``MENTIONS_SAMPLE_FEEDS`` is on)."""

from pathlib import Path

from django.conf import settings
from django.http import Http404, HttpResponse
from django.urls import path
from django.views.decorators.http import require_GET

SAMPLES = Path(__file__).resolve().parent / "samples"
SAMPLE_NAMES = {"blog-search": "application/rss+xml", "social": "application/atom+xml"}

app_name = "mention_samples"


@require_GET
def sample_feed(request, name: str):
    if not settings.MENTIONS_SAMPLE_FEEDS or name not in SAMPLE_NAMES:
        raise Http404("No such sample feed.")
    body = (SAMPLES / f"{name}.xml").read_bytes()
    return HttpResponse(body, content_type=f"{SAMPLE_NAMES[name]}; charset=utf-8")


urlpatterns = [path("samples/<slug:name>.xml", sample_feed, name="sample_feed")]
