"""/favicon.ico answers (browsers ask for it whatever the page links)."""


def test_favicon_ico_is_the_svg_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    assert b"<svg" in response.data
