"""The product's URLs plus the benchmark's baseline: a page that only authenticates the session and renders
the base layout, with every middleware and context processor of a real page (make bench)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import path

from config.urls import urlpatterns as product_urlpatterns


@login_required
def baseline(request):
    return render(request, "base.html")


urlpatterns = [path("bench/baseline/", baseline, name="bench_baseline"), *product_urlpatterns]
