from django.urls import path, re_path

from loomworks.web.console.views import (
    bulk,
    connect,
    dashboard,
    design_files,
    directory,
    imports,
    money,
    reminders,
    reports,
    runs,
    scorecards,
    setup,
)

app_name = "console"
urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
    # production runs
    path("production-runs/", runs.run_list, name="run_list"),
    # bulk actions (before the run's own addresses: "bulk" is not a run id)
    path("production-runs/bulk/", bulk.run_bulk, name="run_bulk"),
    path("production-runs/bulk/<str:bulk_id>/", bulk.run_bulk_result, name="run_bulk_result"),
    path("production-runs/export/", runs.run_list_export, name="run_list_export"),
    re_path(
        r"^production-runs/(?P<run_id>[^/]+)/(?P<records>history|consumption|deliveries)/export/$",
        runs.run_records_export,
        name="run_records_export",
    ),
    path("production-runs/<str:run_id>/", runs.run_detail, name="run_detail"),
    path("production-runs/<str:run_id>/sheet/", runs.run_sheet, name="run_sheet"),
    path("production-runs/<str:run_id>/approve/", runs.run_approve, name="run_approve"),
    path("production-runs/<str:run_id>/dispatch/", runs.run_dispatch, name="run_dispatch"),
    path("production-runs/<str:run_id>/tasks/", runs.run_add_tasks, name="run_add_tasks"),
    path("production-runs/<str:run_id>/reassign/", runs.run_reassign, name="run_reassign"),
    path("production-runs/<str:run_id>/edit/", runs.run_edit, name="run_edit"),
    path("production-runs/<str:run_id>/cancel/", runs.run_cancel, name="run_cancel"),
    re_path(
        r"^production-runs/(?P<run_id>[^/]+)/(?P<action>accept|start|finish|complete)/$",
        runs.run_lifecycle,
        name="run_lifecycle",
    ),
    path("production-runs/<str:run_id>/deliveries/", runs.run_deliver, name="run_deliver"),
    path(
        "production-runs/<str:run_id>/deliveries/<str:delivery_id>/correct/",
        runs.delivery_correct,
        name="delivery_correct",
    ),
    path("production-runs/<str:run_id>/rework/", runs.run_rework, name="run_rework"),
    path(
        "production-runs/<str:run_id>/confirm-quantity/",
        runs.run_confirm_quantity,
        name="run_confirm_quantity",
    ),
    path("settings/output/", runs.output_policy, name="output_policy"),
    path("settings/payment/", money.costing_policy, name="costing_policy"),
    path(
        "production-runs/<str:run_id>/tasks/<str:task_id>/comments/",
        runs.task_comment,
        name="task_comment",
    ),
    # designs
    path("designs/", directory.design_list, name="design_list"),
    path("designs/new/", directory.design_create, name="design_create"),
    path("designs/<str:design_id>/", directory.design_detail, name="design_detail"),
    path("designs/<str:design_id>/edit/", setup.design_edit, name="design_edit"),
    path(
        "designs/<str:design_id>/files/",
        design_files.design_files_upload,
        name="design_files_upload",
    ),
    path(
        "designs/<str:design_id>/files/<str:file_id>/remove/",
        design_files.design_file_remove,
        name="design_file_remove",
    ),
    path(
        "designs/<str:design_id>/production-runs/",
        directory.design_new_run,
        name="design_new_run",
    ),
    # imports from spreadsheets
    path("imports/", imports.import_index, name="import_index"),
    path("imports/<str:kind>/", imports.import_upload, name="import_upload"),
    path("imports/<str:kind>/template.csv", imports.import_template, name="import_template"),
    path("imports/<str:kind>/confirm/", imports.import_apply, name="import_apply"),
    # materials
    path("materials/", setup.material_list, name="material_list"),
    path("materials/new/", setup.material_create, name="material_create"),
    path("materials/<str:material_id>/", setup.material_edit, name="material_edit"),
    path("materials/<str:material_id>/archive/", setup.material_archive, name="material_archive"),
    # partners
    path("partners/", directory.partner_list, name="partner_list"),
    path("partners/load/", reports.partner_load, name="partner_load"),
    path("partners/new/", directory.partner_create, name="partner_create"),
    path("partners/scorecards/", scorecards.partner_scorecards, name="partner_scorecards"),
    path("partners/<str:partner_id>/", directory.partner_detail, name="partner_detail"),
    path("partners/<str:partner_id>/members/", directory.member_add, name="member_add"),
    path("partners/<str:partner_id>/money/", money.partner_money, name="partner_money"),
    path("partners/<str:partner_id>/rates/", money.rate_set, name="partner_rate_set"),
    path(
        "partners/<str:partner_id>/rates/<str:rate_id>/delete/",
        money.rate_delete,
        name="partner_rate_delete",
    ),
    path("partners/<str:partner_id>/payments/", money.payment_record, name="partner_payment"),
    path(
        "partners/<str:partner_id>/adjustments/",
        money.adjustment_record,
        name="partner_adjustment",
    ),
    path(
        "partners/<str:partner_id>/ledger/<str:entry_id>/reverse/",
        money.entry_reverse,
        name="partner_entry_reverse",
    ),
    path("partners/<str:partner_id>/statement/", money.partner_statement, name="partner_statement"),
    path(
        "partners/<str:partner_id>/ledger/export/",
        money.partner_ledger_export,
        name="partner_ledger_export",
    ),
    path("partners/<str:partner_id>/status/", directory.partner_status, name="partner_status"),
    path("partners/<str:partner_id>/edit/", setup.partner_edit, name="partner_edit"),
    path(
        "partners/<str:partner_id>/members/<str:member_id>/",
        setup.member_edit,
        name="member_edit",
    ),
    path(
        "partners/<str:partner_id>/members/<str:member_id>/active/",
        setup.member_active,
        name="member_active",
    ),
    path(
        "partners/<str:partner_id>/members/<str:member_id>/invite/",
        directory.member_invite,
        name="member_invite",
    ),
    # task templates
    path("templates/", directory.template_list, name="template_list"),
    path("templates/new/", directory.template_create, name="template_create"),
    path("templates/<str:template_id>/", setup.template_edit, name="template_edit"),
    path("templates/<str:template_id>/remove/", setup.template_remove, name="template_remove"),
    # orders
    path("orders/", connect.order_list, name="order_list"),
    path("orders/<str:order_id>/", connect.order_detail, name="order_detail"),
    path("orders/<str:order_id>/cancel/", connect.order_cancel, name="order_cancel"),
    # connections: API keys, webhooks, stores
    path("connections/", connect.api_keys, name="api_keys"),
    path(
        "connections/api-keys/<str:key_id>/revoke/", connect.api_key_revoke, name="api_key_revoke"
    ),
    path("connections/webhooks/", connect.webhook_list, name="webhook_list"),
    path("connections/webhooks/new/", connect.webhook_create, name="webhook_create"),
    path("connections/webhooks/<str:webhook_id>/", connect.webhook_detail, name="webhook_detail"),
    path(
        "connections/webhooks/<str:webhook_id>/enabled/",
        connect.webhook_toggle,
        name="webhook_toggle",
    ),
    path(
        "connections/webhooks/<str:webhook_id>/delete/",
        connect.webhook_delete,
        name="webhook_delete",
    ),
    path(
        "connections/webhooks/<str:webhook_id>/deliveries/<str:delivery_id>/",
        connect.webhook_delivery,
        name="webhook_delivery",
    ),
    path(
        "connections/webhooks/<str:webhook_id>/deliveries/<str:delivery_id>/replay/",
        connect.webhook_delivery_replay,
        name="webhook_delivery_replay",
    ),
    path("connections/stores/", connect.store_list, name="store_list"),
    path("connections/stores/<str:store_id>/", connect.store_detail, name="store_detail"),
    path(
        "connections/stores/<str:store_id>/sku-mappings/",
        connect.sku_mapping_add,
        name="sku_mapping_add",
    ),
    path(
        "connections/stores/<str:store_id>/sku-mappings/remove/",
        connect.sku_mapping_remove,
        name="sku_mapping_remove",
    ),
    path("connections/stores/<str:store_id>/edit/", connect.store_rename, name="store_rename"),
    path("connections/stores/<str:store_id>/secret/", connect.store_secret, name="store_secret"),
    path(
        "connections/stores/<str:store_id>/disconnect/",
        connect.store_disconnect,
        name="store_disconnect",
    ),
    # reports
    path("reports/", reports.reports_index, name="reports"),
    path(
        "reports/work-in-progress/",
        reports.report_work_in_progress,
        name="report_work_in_progress",
    ),
    path("reports/throughput/", reports.report_throughput, name="report_throughput"),
    path("reports/late/", reports.report_late, name="report_late"),
    # reminders: the rules, and each admin's own settings
    path("reminders/", reminders.reminder_rules, name="reminder_rules"),
    path("me/notifications/", reminders.my_notifications, name="my_notifications"),
    # notifications
    path("notifications/", dashboard.notifications, name="notifications"),
    path(
        "notifications/read-all/",
        dashboard.notifications_read_all,
        name="notifications_read_all",
    ),
    path(
        "notifications/<str:notification_id>/read/",
        dashboard.notification_read,
        name="notification_read",
    ),
]
