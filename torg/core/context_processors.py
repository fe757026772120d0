from django.http import HttpRequest


def torg(request: HttpRequest) -> dict[str, object]:
    return {"torg_site_name": "Torg"}
