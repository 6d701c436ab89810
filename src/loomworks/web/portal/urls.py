from django.urls import path

from loomworks.web.portal import views

app_name = "portal"
urlpatterns = [
    path("", views.runs, name="runs"),
    path("production-runs/<str:run_id>/", views.run_page, name="run"),
    path("production-runs/<str:run_id>/sheet/", views.run_sheet, name="run_sheet"),
    path("production-runs/<str:run_id>/accept", views.run_accept, name="run_accept"),
    path("production-runs/<str:run_id>/decline", views.run_decline, name="run_decline"),
    path("production-runs/<str:run_id>/start", views.run_start, name="run_start"),
    path("production-runs/<str:run_id>/finish", views.run_finish, name="run_finish"),
    path("production-runs/<str:run_id>/complete", views.run_complete, name="run_complete"),
    path("production-runs/<str:run_id>/deliveries", views.run_deliver, name="run_deliver"),
    path("production-runs/<str:run_id>/consumption", views.consumption_add, name="consumption_add"),
    path(
        "production-runs/<str:run_id>/consumption/<str:log_id>",
        views.consumption_correct,
        name="consumption_correct",
    ),
    path("production-runs/<str:run_id>/media", views.media_upload, name="media_upload"),
    path("tasks/<str:task_id>/accept", views.task_accept, name="task_accept"),
    path("tasks/<str:task_id>/finish", views.task_finish, name="task_finish"),
    path(
        "tasks/<str:task_id>/subtasks/<str:subtask_id>/complete",
        views.subtask_complete,
        name="subtask_complete",
    ),
    path(
        "tasks/<str:task_id>/subtasks/<str:subtask_id>/reopen",
        views.subtask_reopen,
        name="subtask_reopen",
    ),
    path(
        "tasks/<str:task_id>/subtasks/<str:subtask_id>/check",
        views.subtask_check,
        name="subtask_check",
    ),
    path("tasks/<str:task_id>/comments", views.comment_add, name="comment_add"),
    path("statement/", views.statement, name="statement"),
    path("scorecard/", views.scorecard, name="scorecard"),
    path("notifications/", views.notifications, name="notifications"),
    path(
        "notifications/<str:notification_id>/read",
        views.notification_read,
        name="notification_read",
    ),
    path("notifications/read-all", views.notifications_read_all, name="notifications_read_all"),
    path("settings/email", views.email_settings, name="email_settings"),
    path("settings/reach", views.reach_settings, name="reach_settings"),
]
