def test_dump(world, pki):
    from sqlmodel import select

    from app.reports.models import Report

    with world.session() as s:
        for r in s.exec(select(Report)).all():
            open(f"/tmp/r{r.assessment_id}-{r.sequence}.pdf", "wb").write(r.pdf)
    import shutil

    shutil.copy(pki.ca_pem, "/tmp/ca.pem")
    shutil.copy(pki.p12, "/tmp/signing.p12")
    shutil.copy(pki.password_file, "/tmp/signing.pw")
