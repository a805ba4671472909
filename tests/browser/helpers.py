"""Helpers the browser tests share."""


def focused(page):
    """What has focus, looking into shadow roots: 'editor', the element's id, or its tag."""
    return page.evaluate(
        """() => {
          let el = document.activeElement;
          while (el && el.shadowRoot && el.shadowRoot.activeElement) el = el.shadowRoot.activeElement;
          if (el && el.closest && el.closest(".cm-editor")) return "editor";
          return el ? (el.id || el.tagName.toLowerCase()) : null;
        }"""
    )
