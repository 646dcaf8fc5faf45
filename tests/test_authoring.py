import nbformat
import pytest

from course_utils.authoring import MarkerError, make_template, strip_solution

REFERENCE = """\
def select_feat(data):
    ### BEGIN SOLUTION
    return [53, 69, 85, 101]
    ### END SOLUTION
    ### BEGIN TEMPLATE
    # # TODO: select useful features
    # return list(range(data.shape[1]))
    ### END TEMPLATE
"""


def test_strip_keeps_template_and_drops_solution():
    assert strip_solution(REFERENCE) == (
        "def select_feat(data):\n"
        "    # TODO: select useful features\n"
        "    return list(range(data.shape[1]))"
    )


@pytest.mark.parametrize("source", [
    "### BEGIN SOLUTION\nx = 1",
    "### END SOLUTION",
    "### BEGIN SOLUTION\n### BEGIN TEMPLATE\n### END TEMPLATE\n### END SOLUTION",
    "### BEGIN TEMPLATE\nx = 1\n### END TEMPLATE",
])
def test_malformed_markers_are_rejected(source):
    with pytest.raises(MarkerError):
        strip_solution(source)


def test_make_template_drops_reference_only_cells_and_outputs():
    nb = nbformat.v4.new_notebook()
    code = nbformat.v4.new_code_cell(REFERENCE, execution_count=3)
    code.outputs = [nbformat.v4.new_output("stream", text="hi")]
    secret = nbformat.v4.new_markdown_cell("TIER ladder", metadata={"tags": ["reference-only"]})
    nb.cells = [secret, code]
    template = make_template(nb)
    assert len(template.cells) == 1
    cell = template.cells[0]
    assert cell.outputs == [] and cell.execution_count is None
    assert "53, 69" not in cell.source and template.metadata["course"]["role"] == "template"
    assert nb.cells[1].execution_count == 3  # the reference itself is untouched
