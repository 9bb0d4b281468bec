from ...model import Section, Text
def sections(net, t, params=None):
    return [Section(t("delta.title", spec=net.spec), [Text(t("delta.dense_only"))], key="delta")]
