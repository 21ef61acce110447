enum DefaultSettings {
    static let account: String = #"""
{
 "audio_conferencing": {
  "call_me_and_invite_by_phone": {
   "allow_webinar_attendees_call_me": false,
   "call_out_countries": {
    "allowed_countries": [],
    "selected_countries": []
   },
   "enable": false,
   "require_press_1_for_call_me": "auto"
  },
  "global_dial_in_countries": {
   "allowed_countries": [],
   "include_toll_free": false,
   "selected_countries": []
  },
  "participant_phone_masking": {
   "enable": false,
   "masking_type": "mask_default"
  },
  "personal_audio_conference": false,
  "toll_call": {
   "enable": false,
   "numbers": []
  },
  "toll_free_and_fee_based_toll_call": {
   "allow_webinar_attendees_dial": false,
   "enable": false,
   "numbers": []
  }
 },
 "chat": {
  "ai_compose": {
   "enable": false,
   "shown_in_team_chat": false
  },
  "ai_quick_reply": false,
  "ai_quick_schedule": false,
  "ai_recommend": false,
  "ai_sentence_completion": false,
  "ai_summary": {
   "enable": false,
   "shown_in_team_chat": false
  },
  "allow_bots_chat": false,
  "allow_delete_message": {
   "enable": false,
   "time": 0
  },
  "allow_edit_message": {
   "enable": false,
   "time": 0
  },
  "allow_huddles_from_channels": false,
  "allow_remove_msg_by_owner_and_admins": false,
  "allow_users_to_add_contacts": {
   "enable": false,
   "selected_option": 1,
   "user_email_addresses": ""
  },
  "allow_users_to_chat_with_others": {
   "enable": false,
   "selected_option": 1,
   "user_email_addresses": ""
  },
  "apply_local_storage_to_personal_channel": {
   "enable": false,
   "retention_period": ""
  },
  "chat_email_address": {
   "enable": false,
   "only_allow_specific_domains": false,
   "specific_domains": []
  },
  "chat_emojis": {
   "emojis_option": "all",
   "enable": false
  },
  "chat_etiquette_tool": {
   "enable": false,
   "policies": [],
   "policy_max_count": 0
  },
  "code_snippet": false,
  "create_group_chat": false,
  "create_private_channels": false,
  "create_public_channels": false,
  "download_file": false,
  "external_collab_restrict": {
   "enable": false,
   "external_chat": "allowed",
   "group_id": ""
  },
  "external_invite_approve": {
   "channel_id": "",
   "enable": false,
   "external_account": false,
   "selected_option": 1
  },
  "external_join_approve": {
   "channel_id": "",
   "enable": false,
   "external_account": false,
   "selected_option": 1
  },
  "external_member_join": {
   "enable": false,
   "external_account": false
  },
  "external_user_control": {
   "enable": false,
   "external_account": false,
   "selected_option": 1
  },
  "hyper_link": false,
  "personal_channel": false,
  "presence_away_when_screen_saver": false,
  "presence_on_meeting": false,
  "read_receipts": {
   "allow_users_opt_out": false,
   "enable": false
  },
  "record_video_messages": false,
  "record_voice_messages": false,
  "schedule_meetings_in_chat": false,
  "screen_capture": false,
  "search_and_send_animated_gif_images": {
   "enable": false,
   "giphy_content_rating": 1
  },
  "send_data_to_third_party_archiving_service": {
   "authorized_channel_token": "",
   "enable": false,
   "passcode": "",
   "smtp_delivery_address": "",
   "type": "global_relay",
   "user_name": ""
  },
  "set_chat_as_default_tab": false,
  "set_retention_period_in_cloud": {
   "enable": false,
   "retention_period_of_channels": "",
   "retention_period_of_direct_messages_and_group_conversation": ""
  },
  "set_retention_period_in_local": {
   "enable": false,
   "retention_period_of_channels": "",
   "retention_period_of_direct_messages_and_group_conversation": ""
  },
  "share_files": {
   "enable": false,
   "restrictions": {
    "file_restrictions_apply_to": "sharing_and_viewing",
    "file_size_restrictions": 50,
    "file_size_restrictions_for_external": 50,
    "file_type_restrictions": [],
    "file_type_restrictions_for_external": [],
    "maximum_file_size": false,
    "only_allow_specific_file_types": false
   },
   "share_option": "disable",
   "view_option": "anyone"
  },
  "share_links_in_chat": false,
  "share_screen_in_chat": false,
  "shared_spaces": false,
  "show_h323_contact_tab": false,
  "show_status_to_internal_contact": false,
  "store_revise_chat": false,
  "suppress_removal_notification": false,
  "suppress_user_group_notification": false,
  "survey_poll": false,
  "translate_messages": false
 },
 "email_notification": {
  "alternative_host_reminder": false,
  "cancel_meeting_reminder": false,
  "cloud_recording_available_reminder": false,
  "jbh_reminder": false,
  "low_host_count_reminder": false,
  "recording_available_reminder_alternative_hosts": false,
  "recording_available_reminder_schedulers": false,
  "schedule_for_reminder": false
 },
 "feature": {
  "meeting_capacity": 0
 },
 "general_setting": {
  "auto_zoom_room_proximity_connect": false,
  "show_zoom_room_feature": false
 },
 "in_meeting": {
  "ai_companion_questions": {
   "auto_enable": false,
   "enable": false,
   "who_can_ask_questions": 1
  },
  "alert_guest_join": false,
  "allow_host_panelists_to_use_audible_clap": false,
  "allow_host_to_enable_focus_mode": false,
  "allow_live_streaming": false,
  "allow_participants_chat_with": 1,
  "allow_participants_to_rename": false,
  "allow_show_zoom_windows": false,
  "allow_users_save_chats": 1,
  "annotation": false,
  "anonymous_question_answer": false,
  "attendee_on_hold": false,
  "attention_mode_focus_mode": false,
  "auto_answer": false,
  "auto_generated_translation": {
   "enable": false,
   "language_item_pairList": {
    "all": false,
    "trans_lang_config": []
   }
  },
  "auto_saving_chat": false,
  "breakout_room": false,
  "breakout_room_schedule": false,
  "chat": false,
  "closed_caption": false,
  "closed_captioning": {
   "auto_transcribing": false,
   "enable": false,
   "save_caption": false,
   "third_party_captioning_service": false,
   "view_full_transcript": false
  },
  "co_host": false,
  "custom_data_center_regions": false,
  "custom_live_streaming_service": false,
  "custom_service_instructions": "",
  "data_center_regions": [],
  "disable_screen_sharing_for_host_meetings": false,
  "disable_screen_sharing_for_in_meeting_guests": false,
  "dscp_audio": 1,
  "dscp_dual": false,
  "dscp_marking": false,
  "dscp_video": 1,
  "e2e_encryption": false,
  "entry_exit_chime": "host",
  "far_end_camera_control": false,
  "feedback": false,
  "file_transfer": false,
  "group_hd": false,
  "join_from_desktop": false,
  "join_from_mobile": false,
  "language_interpretation": {
   "allow_participants_to_speak_in_listening_channel": false,
   "allow_up_to_25_custom_languages_when_scheduling_meetings": false,
   "custom_languages": [],
   "enable": false,
   "enable_language_interpretation_by_default": false,
   "languages": []
  },
  "live_streaming_facebook": false,
  "live_streaming_youtube": false,
  "manual_captioning": {
   "allow_to_type": false,
   "auto_generated_captions": false,
   "full_transcript": false,
   "manual_captions": false,
   "save_captions": false,
   "third_party_captioning_service": false
  },
  "meeting_data_transit_and_residency_method": "cloud",
  "meeting_polling": {
   "advanced_polls": false,
   "allow_alternative_host_to_add_edit": false,
   "allow_host_to_upload_image": false,
   "enable": false,
   "manage_saved_polls_and_quizzes": false,
   "require_answers_to_be_anonymous": false
  },
  "meeting_question_answer": false,
  "meeting_reactions": false,
  "meeting_reactions_emojis": "all",
  "meeting_summary_with_ai_companion": {
   "auto_enable": false,
   "enable": false,
   "who_will_receive_summary": 1
  },
  "meeting_survey": false,
  "non_verbal_feedback": false,
  "original_audio": false,
  "p2p_connetion": false,
  "p2p_ports": false,
  "participants_share_simultaneously": "multiple",
  "polling": false,
  "ports_range": "",
  "post_meeting_feedback": false,
  "private_chat": false,
  "record_play_own_voice": false,
  "remote_control": false,
  "remote_support": false,
  "request_permission_to_unmute_participants": false,
  "screen_sharing": false,
  "sending_default_email_invites": false,
  "show_a_join_from_your_browser_link": false,
  "show_meeting_control_toolbar": false,
  "sign_language_interpretation": {
   "custom_languages": [],
   "enable": false,
   "enable_sign_language_interpretation_by_default": false,
   "languages": []
  },
  "slide_control": false,
  "stereo_audio": false,
  "transfer_meetings_between_devices": false,
  "unchecked_data_center_regions": [],
  "use_html_format_email": false,
  "virtual_background": false,
  "virtual_background_settings": {
   "allow_upload_custom": false,
   "allow_videos": false,
   "enable": false,
   "files": []
  },
  "watermark": false,
  "webinar_chat": {
   "allow_attendees_chat_with": 1,
   "allow_auto_save_local_chat_file": false,
   "allow_panelists_chat_with": 1,
   "allow_panelists_send_direct_message": false,
   "allow_users_save_chats": 0,
   "allow_users_to_delete_messages_in_meeting_chat": false,
   "default_attendees_chat_with": 1,
   "enable": false
  },
  "webinar_group_hd": false,
  "webinar_live_streaming": {
   "custom_service_instructions": "",
   "enable": false,
   "live_streaming_reminder": false,
   "live_streaming_service": []
  },
  "webinar_polling": {
   "advanced_polls": false,
   "allow_alternative_host_to_add_edit": false,
   "allow_host_to_upload_image": false,
   "enable": false,
   "manage_saved_polls_and_quizzes": false,
   "require_answers_to_be_anonymous": false
  },
  "webinar_question_answer": false,
  "webinar_reactions": false,
  "webinar_survey": false,
  "whiteboard": false,
  "who_can_share_screen": "host",
  "who_can_share_screen_when_someone_is_sharing": "host",
  "workplace_by_facebook": false
 },
 "integration": {
  "box": false,
  "dropbox": false,
  "google_calendar": false,
  "google_drive": false,
  "kubi": false,
  "microsoft_one_drive": false
 },
 "mail_calendar": {
  "email_calendar_management": false,
  "email_management": false,
  "zoom_email_provider": false
 },
 "meeting_security": {
  "auto_security": false,
  "block_user_domain": false,
  "block_user_domain_list": [],
  "chat_etiquette_tool": {
   "enable": false,
   "policies": [],
   "policy_max_count": 0
  },
  "embed_password_in_join_link": false,
  "encryption_type": "enhanced_encryption",
  "end_to_end_encrypted_meetings": false,
  "meeting_password": false,
  "meeting_password_requirement": {
   "consecutive_characters_length": 0,
   "have_letter": false,
   "have_number": false,
   "have_special_character": false,
   "have_upper_and_lower_characters": false,
   "length": 0,
   "only_allow_numeric": false,
   "weak_enhance_detection": false
  },
  "only_authenticated_can_join_from_webclient": false,
  "phone_password": false,
  "pmi_password": false,
  "require_password_for_scheduled_meeting": false,
  "require_password_for_scheduled_webinar": false,
  "waiting_room": false,
  "waiting_room_options": {
   "admit_domain_allowlist": "",
   "admit_type": 1,
   "enable": false,
   "internal_user_auto_admit": 1,
   "locked": false,
   "more_options": {
    "allow_participants_to_reply_to_host": false,
    "move_participants_to_waiting_room_when_host_dropped": false,
    "user_invited_by_host_can_bypass_waiting_room": false
   },
   "sort_order_of_people": 0,
   "who_can_admit_participants": 0
  },
  "waiting_room_settings": {
   "participants_to_place_in_waiting_room": 0,
   "users_who_can_admit_participants_from_waiting_room": 0,
   "whitelisted_domains_for_waiting_room": ""
  },
  "webinar_password": false
 },
 "other_options": {
  "allow_auto_active_users": false,
  "allow_users_contact_support_via_chat": false,
  "allow_users_enter_and_share_pronouns": false,
  "blur_snapshot": false,
  "display_meetings_scheduled_for_others": false,
  "email_in_attendee_report_for_meeting": false,
  "meeting_qos_and_mos": 0,
  "show_one_user_meeting_on_dashboard": false,
  "use_cdn": "none",
  "webinar_registration_options": {
   "allow_host_to_enable_join_info": false,
   "allow_host_to_enable_social_share_buttons": false,
   "enable_custom_questions": false
  }
 },
 "profile": {
  "recording_storage_location": {
   "allowed_values": [],
   "value": ""
  }
 },
 "recording": {
  "account_user_access_recording": false,
  "allow_recovery_deleted_cloud_recordings": false,
  "archive": {
   "enable": false,
   "settings": {
    "action_when_archive_failed": 1,
    "archive_retention": 1,
    "audio_file": false,
    "cc_transcript_file": false,
    "chat_file": false,
    "chat_with_direct_message": false,
    "chat_with_sender_email": false,
    "notification_when_archiving_starts": "participants",
    "play_voice_prompt_when_archiving_starts": "participants",
    "video_file": false
   },
   "type": 1
  },
  "auto_delete_cmr": false,
  "auto_delete_cmr_days": 30,
  "auto_recording": "local",
  "cloud_recording": false,
  "cloud_recording_download": false,
  "cloud_recording_download_host": false,
  "display_participant_name": false,
  "host_delete_cloud_recording": false,
  "ip_address_access_control": {
   "enable": false,
   "ip_addresses_or_ranges": ""
  },
  "local_recording": false,
  "optimize_recording_for_3rd_party_video_editor": false,
  "prevent_host_access_recording": false,
  "record_audio_file": false,
  "record_audio_file_each_participant": false,
  "record_files_separately": {
   "active_speaker": false,
   "gallery_view": false,
   "shared_screen": false
  },
  "record_gallery_view": false,
  "record_speaker_view": false,
  "recording_audio_transcript": false,
  "recording_disclaimer": false,
  "recording_highlight": false,
  "recording_notification_for_zoom_client": {
   "ask_host_to_confirm": false,
   "disclaimer_to_participants": "",
   "play_voice_prompt": ""
  },
  "recording_password_requirement": {
   "have_letter": false,
   "have_number": false,
   "have_special_character": false,
   "length": 0,
   "only_allow_numeric": false
  },
  "recording_thumbnails": false,
  "required_password_for_existing_cloud_recordings": false,
  "required_password_for_shared_cloud_recordings": false,
  "save_chat_text": false,
  "save_close_caption": false,
  "save_panelist_chat": false,
  "save_poll_results": false,
  "show_timestamp": false,
  "smart_recording": {
   "create_next_steps": false,
   "create_recording_highlights": false,
   "create_smart_chapters": false
  }
 },
 "schedule_meeting": {
  "allow_host_to_disable_participant_video": false,
  "always_display_zoom_meeting_as_topic": {
   "display_topic_for_scheduled_meetings": false,
   "enable": false
  },
  "always_display_zoom_webinar_as_topic": {
   "display_topic_for_scheduled_webinars": false,
   "enable": false
  },
  "audio_type": "both",
  "continuous_meeting_chat": {
   "auto_add_invited_external_users": false,
   "can_add_external_users": false,
   "enable": false
  },
  "enable_dedicated_group_chat": false,
  "enforce_login": false,
  "enforce_login_domains": "",
  "enforce_login_with_domains": false,
  "force_pmi_jbh_password": false,
  "hide_meeting_description": {
   "enable": false,
   "hide_description_for_scheduled_meetings": false
  },
  "hide_webinar_description": {
   "enable": false,
   "hide_description_for_scheduled_webinars": false
  },
  "host_video": false,
  "jbh_time": 0,
  "join_before_host": false,
  "meeting_password_requirement": {
   "consecutive_characters_length": 0,
   "have_letter": false,
   "have_number": false,
   "have_special_character": false,
   "have_upper_and_lower_characters": false,
   "length": 0,
   "only_allow_numeric": false,
   "weak_enhance_detection": false
  },
  "meeting_template": {
   "enable": false,
   "templates": []
  },
  "not_store_meeting_topic": false,
  "participant_video": false,
  "personal_meeting": false,
  "require_password_for_instant_meetings": false,
  "require_password_for_pmi_meetings": "jbh_only",
  "require_password_for_scheduled_meetings": false,
  "require_password_for_scheduling_new_meetings": false,
  "use_pmi_for_instant_meetings": false,
  "use_pmi_for_scheduled_meetings": false
 },
 "security": {
  "admin_change_name_pic": false,
  "admin_change_user_info": false,
  "hide_billing_info": false,
  "import_photos_from_devices": false,
  "password_requirement": {
   "consecutive_characters_length": 0,
   "have_special_character": false,
   "minimum_password_length": 8,
   "weak_enhance_detection": false
  },
  "sign_again_period_for_inactivity_on_client": 0,
  "sign_again_period_for_inactivity_on_web": 0,
  "sign_in_with_two_factor_auth": "all",
  "sign_in_with_two_factor_auth_groups": [],
  "sign_in_with_two_factor_auth_roles": [],
  "signin_with_sso": {
   "domains": [],
   "enable": false,
   "require_sso_for_domains": false,
   "sso_bypass_users": []
  },
  "user_modifiable_info_by_admin": []
 },
 "smart_recognition": {
  "personalized_audio_isolation": false,
  "workplace_app": {
   "voice_name_tags": {
    "allow_enrollment_email": false,
    "enabled": false
   }
  },
  "zoom_rooms": {
   "video_name_tags": {
    "allow_enrollment_email": false,
    "allow_external_identification": false,
    "allow_user_photos": false,
    "enabled": false
   },
   "voice_name_tags": {
    "allow_enrollment_email": false,
    "allow_external_identification": false,
    "enabled": false
   }
  }
 },
 "telephony": {
  "audio_conference_info": "",
  "telephony_regions": {
   "allowed_values": [],
   "selection_values": ""
  },
  "third_party_audio": false
 },
 "tsp": {
  "allow_webinar_attendees_call_me": false,
  "allow_webinar_attendees_toll_free_dial": false,
  "call_out": false,
  "call_out_countries": [],
  "display_toll_free_numbers": false,
  "global_dial_in_countries": {
   "allowed_countries": [],
   "selected_countries": []
  },
  "show_international_numbers_link": false
 },
 "zoom_rooms": {
  "auto_start_stop_scheduled_meetings": false,
  "cmr_for_instant_meeting": false,
  "force_private_meeting": false,
  "hide_host_information": false,
  "list_meetings_with_calendar": false,
  "start_airplay_manually": false,
  "ultrasonic": false,
  "upcoming_meeting_alert": false,
  "weekly_system_restart": false,
  "zr_post_meeting_feedback": false
 }
}
"""#
    static let accountLock: String = #"""
{
 "audio_conferencing": {
  "call_me_and_invite_by_phone": false,
  "participant_phone_masking": false,
  "personal_audio_conference": false,
  "toll_call": false,
  "toll_free_and_fee_based_toll_call": false
 },
 "chat": {
  "ai_compose": false,
  "ai_quick_schedule": false,
  "ai_recommend": false,
  "ai_reply": false,
  "ai_sentence_completion": false,
  "ai_summary": false,
  "allow_create_channels_and_group_chats": false,
  "allow_delete_message": false,
  "allow_edit_message": false,
  "allow_huddles_from_channels": false,
  "allow_users_to_add_contacts": false,
  "allow_users_to_chat_with_others": false,
  "chat_email_address": false,
  "chat_emojis": false,
  "chat_etiquette_tool": false,
  "download_file": false,
  "presence_away_when_screen_saver": false,
  "presence_on_meeting": false,
  "read_receipts": false,
  "record_video_messages": false,
  "record_voice_messages": false,
  "schedule_meetings_in_chat": false,
  "screen_capture": false,
  "search_and_send_animated_gif_images": false,
  "send_data_to_third_party_archiving_service": false,
  "set_retention_period_in_cloud": false,
  "set_retention_period_in_local": false,
  "share_files": false,
  "share_links_in_chat": false,
  "share_screen_in_chat": false,
  "shared_spaces": false,
  "survey_poll": false,
  "translate_messages": false
 },
 "email_notification": {
  "alternative_host_reminder": false,
  "cancel_meeting_reminder": false,
  "cloud_recording_available_reminder": false,
  "jbh_reminder": false,
  "schedule_for_reminder": false
 },
 "in_meeting": {
  "alert_guest_join": false,
  "allow_live_streaming": false,
  "allow_show_zoom_windows": false,
  "allow_users_to_delete_messages_in_meeting_chat": false,
  "annotation": false,
  "anonymous_question_answer": false,
  "attendee_on_hold": false,
  "attention_mode_focus_mode": false,
  "auto_answer": false,
  "auto_generated_captions": false,
  "auto_saving_chat": false,
  "breakout_room": false,
  "chat": false,
  "closed_caption": false,
  "co_host": false,
  "custom_data_center_regions": false,
  "disable_screen_sharing_for_host_meetings": false,
  "disable_screen_sharing_for_in_meeting_guests": false,
  "dscp_marking": false,
  "e2e_encryption": false,
  "entry_exit_chime": "",
  "far_end_camera_control": false,
  "feedback": false,
  "file_transfer": false,
  "full_transcript": false,
  "group_hd": false,
  "language_interpretation": false,
  "manual_captions": false,
  "meeting_question_answer": false,
  "meeting_reactions": false,
  "meeting_survey": false,
  "non_verbal_feedback": false,
  "original_audio": false,
  "polling": false,
  "post_meeting_feedback": false,
  "private_chat": false,
  "remote_control": false,
  "remote_support": false,
  "request_permission_to_unmute_participants": false,
  "save_caption": false,
  "save_captions": false,
  "screen_sharing": false,
  "sending_default_email_invites": false,
  "show_meeting_control_toolbar": false,
  "sign_language_interpretation": false,
  "slide_control": false,
  "stereo_audio": false,
  "use_html_format_email": false,
  "virtual_background": false,
  "webinar_chat": false,
  "webinar_group_hd": false,
  "webinar_live_streaming": false,
  "webinar_polling": false,
  "webinar_question_answer": false,
  "webinar_reactions": false,
  "webinar_survey": false,
  "whiteboard": false
 },
 "meeting_security": {
  "approved_or_denied_countries_or_regions": false,
  "auto_security": false,
  "block_user_domain": false,
  "chat_etiquette_tool": false,
  "embed_password_in_join_link": false,
  "encryption_type": false,
  "end_to_end_encrypted_meetings": false,
  "meeting_password": false,
  "only_authenticated_can_join_from_webclient": false,
  "phone_password": false,
  "pmi_password": false,
  "waiting_room": false,
  "webinar_password": false
 },
 "other_options": {
  "blur_snapshot": false,
  "webinar_registration_options": false
 },
 "recording": {
  "account_user_access_recording": false,
  "archive": false,
  "auto_delete_cmr": false,
  "auto_recording": false,
  "cloud_recording": false,
  "cloud_recording_download": false,
  "host_delete_cloud_recording": false,
  "ip_address_access_control": false,
  "local_recording": false,
  "prevent_host_access_recording": false,
  "recording_authentication": false
 },
 "schedule_meeting": {
  "always_display_zoom_webinar_as_topic": false,
  "audio_type": false,
  "continuous_meeting_chat": false,
  "embed_password_in_join_link": false,
  "enforce_login": false,
  "enforce_login_domains": "",
  "enforce_login_with_domains": false,
  "host_video": false,
  "join_before_host": false,
  "meeting_authentication": false,
  "not_store_meeting_topic": false,
  "participant_video": false,
  "require_password_for_instant_meetings": false,
  "require_password_for_pmi_meetings": false,
  "require_password_for_scheduling_new_meetings": false,
  "use_pmi_for_instant_meetings": false,
  "use_pmi_for_scheduled_meetings": false
 },
 "telephony": {
  "telephony_regions": false,
  "third_party_audio": false
 },
 "tsp": {
  "call_out": false,
  "display_toll_free_numbers": false,
  "show_international_numbers_link": false
 }
}
"""#
    static let group: String = #"""
{
 "audio_conferencing": {
  "call_me_and_invite_by_phone": {
   "allow_webinar_attendees_call_me": false,
   "call_out_countries": {
    "allowed_countries": [],
    "selected_countries": []
   },
   "enable": false,
   "require_press_1_for_call_me": "auto"
  },
  "global_dial_in_countries": {
   "allowed_countries": [],
   "include_toll_free": false,
   "selected_countries": []
  },
  "participant_phone_masking": {
   "enable": false,
   "masking_type": "mask_default"
  },
  "personal_audio_conference": false,
  "toll_call": {
   "enable": false,
   "numbers": []
  },
  "toll_free_and_fee_based_toll_call": {
   "allow_webinar_attendees_dial": false,
   "enable": false,
   "numbers": []
  }
 },
 "chat": {
  "allow_users_to_add_contacts": {
   "enable": false,
   "selected_option": 1,
   "user_email_addresses": ""
  },
  "allow_users_to_chat_with_others": {
   "enable": false,
   "selected_option": 1,
   "user_email_addresses": ""
  },
  "allow_users_to_search_others_options": "",
  "chat_emojis": {
   "emojis_option": "all",
   "enable": false
  },
  "chat_etiquette_tool": {
   "enable": false,
   "policies": []
  },
  "create_private_channels": false,
  "create_public_channels": false,
  "record_video_messages": false,
  "record_voice_messages": false,
  "schedule_meetings_in_chat": false,
  "screen_capture": false,
  "search_and_send_animated_gif_images": {
   "enable": false
  },
  "send_data_to_third_party_archiving_service": {
   "enable": false
  },
  "set_retention_period_in_cloud": {
   "enable": false,
   "retention_period_of_channels": "",
   "retention_period_of_direct_messages_and_group_conversation": ""
  },
  "set_retention_period_in_local": {
   "enable": false,
   "retention_period_of_channels": "",
   "retention_period_of_direct_messages_and_group_conversation": ""
  },
  "share_files": {
   "enable": false,
   "share_option": "anyone"
  },
  "share_links_in_chat": false,
  "translate_messages": false
 },
 "email_notification": {
  "alternative_host_reminder": false,
  "cancel_meeting_reminder": false,
  "cloud_recording_available_reminder": false,
  "jbh_reminder": false,
  "recording_available_reminder_alternative_hosts": false,
  "recording_available_reminder_schedulers": false,
  "schedule_for_reminder": false
 },
 "in_meeting": {
  "alert_guest_join": false,
  "allow_host_panelists_to_use_audible_clap": false,
  "allow_live_streaming": false,
  "allow_participants_chat_with": 1,
  "allow_show_zoom_windows": false,
  "allow_users_save_chats": 1,
  "allow_users_to_delete_messages_in_meeting_chat": false,
  "annotation": false,
  "attendee_on_hold": false,
  "auto_answer": false,
  "auto_generated_translation": {
   "enable": false,
   "language_item_pairList": {
    "all": false,
    "trans_lang_config": []
   }
  },
  "auto_saving_chat": false,
  "breakout_room": false,
  "breakout_room_schedule": false,
  "chat": false,
  "closed_caption": false,
  "closed_captioning": {
   "auto_transcribing": false,
   "enable": false,
   "save_caption": false,
   "third_party_captioning_service": false,
   "view_full_transcript": false
  },
  "co_host": false,
  "custom_data_center_regions": false,
  "custom_live_streaming_service": false,
  "custom_service_instructions": "",
  "data_center_regions": [],
  "disable_screen_sharing_for_host_meetings": false,
  "disable_screen_sharing_for_in_meeting_guests": false,
  "e2e_encryption": false,
  "entry_exit_chime": "",
  "far_end_camera_control": false,
  "feedback": false,
  "file_transfer": false,
  "group_hd": false,
  "join_from_desktop": false,
  "join_from_mobile": false,
  "language_interpretation": {
   "allow_participants_to_speak_in_listening_channel": false,
   "allow_up_to_25_custom_languages_when_scheduling_meetings": false,
   "custom_languages": [],
   "enable": false,
   "enable_language_interpretation_by_default": false,
   "languages": []
  },
  "live_streaming_facebook": false,
  "live_streaming_youtube": false,
  "manual_captioning": {
   "allow_to_type": false,
   "auto_generated_captions": false,
   "full_transcript": false,
   "manual_captions": false,
   "save_captions": false,
   "third_party_captioning_service": false
  },
  "meeting_polling": {
   "advanced_polls": false,
   "allow_alternative_host_to_add_edit": false,
   "allow_host_to_upload_image": false,
   "enable": false,
   "manage_saved_polls_and_quizzes": false,
   "require_answers_to_be_anonymous": false
  },
  "meeting_question_answer": false,
  "meeting_reactions": false,
  "meeting_reactions_emojis": "all",
  "meeting_survey": false,
  "non_verbal_feedback": false,
  "only_host_view_device_list": false,
  "original_audio": false,
  "participants_share_simultaneously": "multiple",
  "polling": false,
  "post_meeting_feedback": false,
  "private_chat": false,
  "record_play_own_voice": false,
  "remote_control": false,
  "remote_support": false,
  "request_permission_to_unmute_participants": false,
  "screen_sharing": false,
  "sending_default_email_invites": false,
  "show_a_join_from_your_browser_link": false,
  "show_browser_join_link": false,
  "show_device_list": false,
  "show_meeting_control_toolbar": false,
  "sign_language_interpretation": {
   "custom_languages": [],
   "enable": false,
   "enable_sign_language_interpretation_by_default": false,
   "languages": []
  },
  "slide_control": false,
  "stereo_audio": false,
  "unchecked_data_center_regions": [],
  "use_html_format_email": false,
  "virtual_background": false,
  "virtual_background_settings": {
   "allow_upload_custom": false,
   "allow_videos": false,
   "enable": false,
   "files": []
  },
  "waiting_room": false,
  "webinar_chat": {
   "allow_attendees_chat_with": 1,
   "allow_auto_save_local_chat_file": false,
   "allow_panelists_chat_with": 1,
   "allow_panelists_send_direct_message": false,
   "allow_users_save_chats": 0,
   "default_attendees_chat_with": 1,
   "enable": false
  },
  "webinar_group_hd": false,
  "webinar_live_streaming": {
   "custom_service_instructions": "",
   "enable": false,
   "live_streaming_reminder": false,
   "live_streaming_service": []
  },
  "webinar_polling": {
   "advanced_polls": false,
   "allow_alternative_host_to_add_edit": false,
   "allow_host_to_upload_image": false,
   "enable": false,
   "manage_saved_polls_and_quizzes": false,
   "require_answers_to_be_anonymous": false
  },
  "webinar_question_answer": false,
  "webinar_reactions": false,
  "webinar_survey": false,
  "whiteboard": false,
  "who_can_share_screen": "host",
  "who_can_share_screen_when_someone_is_sharing": "host",
  "workplace_by_facebook": false
 },
 "meeting_security": {
  "auto_security": false,
  "block_user_domain": false,
  "block_user_domain_list": [],
  "chat_etiquette_tool": {
   "enable": false,
   "policies": []
  },
  "embed_password_in_join_link": false,
  "encryption_type": "enhanced_encryption",
  "end_to_end_encrypted_meetings": false,
  "meeting_password": false,
  "meeting_password_requirement": {
   "consecutive_characters_length": 0,
   "have_letter": false,
   "have_number": false,
   "have_special_character": false,
   "have_upper_and_lower_characters": false,
   "length": 0,
   "only_allow_numeric": false,
   "weak_enhance_detection": false
  },
  "only_authenticated_can_join_from_webclient": false,
  "phone_password": false,
  "pmi_password": false,
  "require_password_for_scheduled_meeting": false,
  "require_password_for_scheduled_webinar": false,
  "waiting_room": false,
  "waiting_room_settings": {
   "participants_to_place_in_waiting_room": 0,
   "users_who_can_admit_participants_from_waiting_room": 0,
   "whitelisted_domains_for_waiting_room": ""
  },
  "webinar_password": false
 },
 "other_options": {
  "allow_users_contact_support_via_chat": false,
  "blur_snapshot": false,
  "webinar_registration_options": {
   "allow_host_to_enable_join_info": false,
   "allow_host_to_enable_social_share_buttons": false,
   "enable_custom_questions": false
  }
 },
 "profile": {
  "recording_storage_location": {
   "allowed_values": [],
   "value": ""
  }
 },
 "recording": {
  "account_user_access_recording": false,
  "archive": {
   "enable": false,
   "settings": {
    "action_when_archive_failed": 1,
    "archive_retention": 1,
    "audio_file": false,
    "cc_transcript_file": false,
    "chat_file": false,
    "chat_with_direct_message": false,
    "chat_with_sender_email": false,
    "notification_when_archiving_starts": "participants",
    "play_voice_prompt_when_archiving_starts": "participants",
    "video_file": false
   },
   "type": 1
  },
  "auto_recording": "",
  "cloud_recording": false,
  "cloud_recording_download": false,
  "cloud_recording_download_host": false,
  "display_participant_name": false,
  "host_delete_cloud_recording": false,
  "ip_address_access_control": {
   "enable": false,
   "ip_addresses_or_ranges": ""
  },
  "local_recording": false,
  "optimize_recording_for_3rd_party_video_editor": false,
  "prevent_host_access_recording": false,
  "record_audio_file": false,
  "record_files_separately": {
   "active_speaker": false,
   "gallery_view": false,
   "shared_screen": false
  },
  "record_gallery_view": false,
  "record_speaker_view": false,
  "recording_audio_transcript": false,
  "recording_highlight": false,
  "recording_notification_for_zoom_client": {
   "ask_host_to_confirm": false,
   "disclaimer_to_participants": "",
   "play_voice_prompt": ""
  },
  "recording_thumbnails": false,
  "save_chat_text": false,
  "save_close_caption": false,
  "save_panelist_chat": false,
  "save_poll_results": false,
  "show_timestamp": false,
  "smart_recording": {
   "create_next_steps": false,
   "create_recording_highlights": false,
   "create_smart_chapters": false
  }
 },
 "schedule_meeting": {
  "always_display_zoom_meeting_as_topic": {
   "display_topic_for_scheduled_meetings": false,
   "enable": false
  },
  "always_display_zoom_webinar_as_topic": {
   "display_topic_for_scheduled_webinars": false,
   "enable": false
  },
  "audio_type": "",
  "continuous_meeting_chat": {
   "auto_add_invited_external_users": false,
   "can_add_external_users": false,
   "enable": false
  },
  "embed_password_in_join_link": false,
  "force_pmi_jbh_password": false,
  "host_video": false,
  "join_before_host": false,
  "mute_upon_entry": false,
  "participant_video": false,
  "personal_meeting": false,
  "pstn_password_protected": false,
  "require_password_for_instant_meetings": false,
  "require_password_for_pmi_meetings": "all",
  "require_password_for_scheduled_meetings": false,
  "require_password_for_scheduling_new_meetings": false,
  "upcoming_meeting_reminder": false,
  "use_pmi_for_instant_meetings": false,
  "use_pmi_for_schedule_meetings": false
 },
 "telephony": {
  "audio_conference_info": "",
  "telephony_regions": {
   "selection_values": ""
  },
  "third_party_audio": false
 }
}
"""#
    static let groupLock: String = #"""
{
 "audio_conferencing": {
  "call_me_and_invite_by_phone": false,
  "participant_phone_masking": false,
  "personal_audio_conference": false,
  "toll_call": false,
  "toll_free_and_fee_based_toll_call": false
 },
 "email_notification": {
  "alternative_host_reminder": false,
  "cancel_meeting_reminder": false,
  "cloud_recording_available_reminder": false,
  "jbh_reminder": false,
  "schedule_for_reminder": false
 },
 "in_meeting": {
  "alert_guest_join": false,
  "allow_live_streaming": false,
  "allow_show_zoom_windows": false,
  "allow_users_to_delete_messages_in_meeting_chat": false,
  "annotation": false,
  "attendee_on_hold": false,
  "auto_answer": false,
  "auto_generated_captions": false,
  "auto_saving_chat": false,
  "breakout_room": false,
  "chat": false,
  "closed_caption": false,
  "co_host": false,
  "custom_data_center_regions": false,
  "disable_screen_sharing_for_host_meetings": false,
  "disable_screen_sharing_for_in_meeting_guests": false,
  "e2e_encryption": false,
  "entry_exit_chime": "",
  "far_end_camera_control": false,
  "feedback": false,
  "file_transfer": false,
  "full_transcript": false,
  "group_hd": false,
  "language_interpretation": false,
  "manual_captions": false,
  "meeting_question_answer": false,
  "meeting_reactions": false,
  "meeting_survey": false,
  "non_verbal_feedback": false,
  "original_audio": false,
  "polling": false,
  "post_meeting_feedback": false,
  "private_chat": false,
  "remote_control": false,
  "remote_support": false,
  "request_permission_to_unmute_participants": false,
  "save_caption": false,
  "save_captions": false,
  "screen_sharing": false,
  "sending_default_email_invites": false,
  "show_a_join_from_your_browser_link": false,
  "show_browser_join_link": false,
  "show_meeting_control_toolbar": false,
  "sign_language_interpretation": false,
  "slide_control": false,
  "stereo_audio": false,
  "use_html_format_email": false,
  "virtual_background": false,
  "waiting_room": false,
  "webinar_chat": false,
  "webinar_group_hd": false,
  "webinar_live_streaming": false,
  "webinar_polling": false,
  "webinar_question_answer": false,
  "webinar_reactions": false,
  "webinar_survey": false,
  "whiteboard": false
 },
 "meeting_security": {
  "approved_or_denied_countries_or_regions": false,
  "auto_security": false,
  "block_user_domain": false,
  "embed_password_in_join_link": false,
  "encryption_type": "enhanced_encryption",
  "end_to_end_encrypted_meetings": false,
  "meeting_password": false,
  "only_authenticated_can_join_from_webclient": false,
  "phone_password": false,
  "pmi_password": false,
  "waiting_room": false,
  "webinar_password": false
 },
 "other_options": {
  "blur_snapshot": false
 },
 "recording": {
  "account_user_access_recording": false,
  "archive": false,
  "auto_delete_cmr": false,
  "auto_recording": false,
  "cloud_recording": false,
  "cloud_recording_download": false,
  "host_delete_cloud_recording": false,
  "ip_address_access_control": {
   "enable": false,
   "ip_addresses_or_ranges": ""
  },
  "local_recording": false,
  "prevent_host_access_recording": false,
  "recording_authentication": false
 },
 "schedule_meeting": {
  "audio_type": false,
  "continuous_meeting_chat": false,
  "embed_password_in_join_link": false,
  "force_pmi_jbh_password": false,
  "host_video": false,
  "join_before_host": false,
  "meeting_authentication": false,
  "mute_upon_entry": false,
  "participant_video": false,
  "pstn_password_protected": false,
  "require_password_for_instant_meetings": false,
  "require_password_for_pmi_meetings": false,
  "require_password_for_scheduling_new_meetings": false,
  "upcoming_meeting_reminder": false
 },
 "telephony": {
  "telephony_regions": false,
  "third_party_audio": false
 }
}
"""#
    static let user: String = #"""
{
 "audio_conferencing": {
  "call_me_and_invite_by_phone": {
   "allow_webinar_attendees_call_me": false,
   "call_out_countries": {
    "allowed_countries": [],
    "selected_countries": []
   },
   "enable": false,
   "require_press_1_for_call_me": "auto"
  },
  "global_dial_in_countries": {
   "allowed_countries": [],
   "include_toll_free": false,
   "selected_countries": []
  },
  "participant_phone_masking": {
   "enable": false,
   "masking_type": "mask_default"
  },
  "personal_audio_conference": false,
  "toll_call": {
   "enable": false,
   "numbers": []
  },
  "toll_free_and_fee_based_toll_call": {
   "allow_webinar_attendees_dial": false,
   "enable": false,
   "numbers": []
  }
 },
 "email_notification": {
  "alternative_host_reminder": false,
  "cancel_meeting_reminder": false,
  "cloud_recording_available_reminder": false,
  "jbh_reminder": false,
  "recording_available_reminder_alternative_hosts": false,
  "recording_available_reminder_schedulers": false,
  "schedule_for_reminder": false
 },
 "feature": {
  "cn_meeting": false,
  "concurrent_meeting": "Basic",
  "in_meeting": false,
  "large_meeting": false,
  "large_meeting_capacity": 0,
  "license_info_list": [],
  "meeting_capacity": 0,
  "webinar": false,
  "webinar_capacity": 0,
  "zoom_clips_plus": false,
  "zoom_compliance_management": false,
  "zoom_customer_managed_key": false,
  "zoom_docs": false,
  "zoom_events": false,
  "zoom_events_capacity": 500,
  "zoom_events_pay_per_attendee": false,
  "zoom_events_unlimited": false,
  "zoom_events_unlimited_capacities": [],
  "zoom_huddles": false,
  "zoom_iq_for_sales": false,
  "zoom_mail_calendar": false,
  "zoom_phone": false,
  "zoom_quality_management": false,
  "zoom_revenue_accelerator": false,
  "zoom_scheduler": false,
  "zoom_sessions_pay_per_attendee": false,
  "zoom_sessions_unlimited": false,
  "zoom_sessions_unlimited_capacities": [],
  "zoom_translated_captions": false,
  "zoom_whiteboard": false,
  "zoom_whiteboard_plus": false,
  "zoom_workforce_management": false
 },
 "in_meeting": {
  "ai_companion_questions": {
   "auto_enable": false,
   "enable": false,
   "who_can_ask_questions": 1
  },
  "allow_host_panelists_to_use_audible_clap": false,
  "allow_host_to_enable_focus_mode": false,
  "allow_live_streaming": false,
  "allow_participants_chat_with": 1,
  "allow_show_zoom_windows": false,
  "allow_users_save_chats": 1,
  "allow_users_to_delete_messages_in_meeting_chat": false,
  "annotation": false,
  "attendee_on_hold": false,
  "attention_mode_focus_mode": false,
  "auto_saving_chat": false,
  "breakout_room": false,
  "breakout_room_schedule": false,
  "chat": false,
  "closed_caption": false,
  "closed_captioning": {
   "auto_transcribing": false,
   "enable": false,
   "save_caption": false,
   "third_party_captioning_service": false,
   "view_full_transcript": false
  },
  "co_host": false,
  "custom_data_center_regions": false,
  "custom_live_streaming_service": false,
  "custom_service_instructions": "",
  "data_center_regions": [],
  "disable_screen_sharing_for_host_meetings": false,
  "disable_screen_sharing_for_in_meeting_guests": false,
  "e2e_encryption": false,
  "entry_exit_chime": "all",
  "far_end_camera_control": false,
  "feedback": false,
  "file_transfer": false,
  "group_hd": false,
  "join_from_desktop": false,
  "join_from_mobile": false,
  "language_interpretation": {
   "allow_participants_to_speak_in_listening_channel": false,
   "allow_up_to_25_custom_languages_when_scheduling_meetings": false,
   "custom_languages": [],
   "enable": false,
   "enable_language_interpretation_by_default": false,
   "languages": []
  },
  "live_streaming_facebook": false,
  "live_streaming_youtube": false,
  "manual_captioning": {
   "allow_to_type": false,
   "auto_generated_captions": false,
   "full_transcript": false,
   "manual_captions": false,
   "save_captions": false,
   "third_party_captioning_service": false
  },
  "meeting_polling": {
   "advanced_polls": false,
   "allow_alternative_host_to_add_edit": false,
   "allow_host_to_upload_image": false,
   "enable": false,
   "require_answers_to_be_anonymous": false
  },
  "meeting_question_answer": false,
  "meeting_reactions": false,
  "meeting_reactions_emojis": "all",
  "meeting_summary_with_ai_companion": {
   "auto_enable": false,
   "enable": false,
   "who_will_receive_summary": 1
  },
  "meeting_survey": false,
  "non_verbal_feedback": false,
  "participants_share_simultaneously": "multiple",
  "polling": false,
  "post_meeting_feedback": false,
  "private_chat": false,
  "record_play_voice": false,
  "remote_control": false,
  "remote_support": false,
  "request_permission_to_unmute_participants": false,
  "screen_sharing": false,
  "share_dual_camera": false,
  "show_a_join_from_your_browser_link": false,
  "show_meeting_control_toolbar": false,
  "sign_language_interpretation": {
   "custom_languages": [],
   "enable": false,
   "enable_sign_language_interpretation_by_default": false,
   "languages": []
  },
  "slide_control": false,
  "transfer_meetings_between_devices": false,
  "unchecked_data_center_regions": [],
  "virtual_background": false,
  "virtual_background_settings": {
   "allow_upload_custom": false,
   "allow_videos": false,
   "enable": false,
   "files": []
  },
  "waiting_room": false,
  "webinar_chat": {
   "allow_attendees_chat_with": 1,
   "allow_auto_save_local_chat_file": false,
   "allow_panelists_chat_with": 1,
   "allow_panelists_send_direct_message": false,
   "allow_users_save_chats": 0,
   "default_attendees_chat_with": 1,
   "enable": false
  },
  "webinar_group_hd": false,
  "webinar_live_streaming": {
   "custom_service_instructions": "",
   "enable": false,
   "live_streaming_reminder": false,
   "live_streaming_service": []
  },
  "webinar_polling": {
   "advanced_polls": false,
   "allow_alternative_host_to_add_edit": false,
   "allow_host_to_upload_image": false,
   "enable": false,
   "require_answers_to_be_anonymous": false
  },
  "webinar_reactions": false,
  "webinar_survey": false,
  "whiteboard": false,
  "who_can_share_screen": "host",
  "who_can_share_screen_when_someone_is_sharing": "host",
  "workplace_by_facebook": false
 },
 "meeting_security": {
  "auto_security": false,
  "block_user_domain": false,
  "block_user_domain_list": [],
  "embed_password_in_join_link": false,
  "encryption_type": "enhanced_encryption",
  "end_to_end_encrypted_meetings": false,
  "meeting_password": false,
  "meeting_password_requirement": {
   "consecutive_characters_length": 0,
   "have_letter": false,
   "have_number": false,
   "have_special_character": false,
   "have_upper_and_lower_characters": false,
   "length": 0,
   "only_allow_numeric": false,
   "weak_enhance_detection": false
  },
  "only_authenticated_can_join_from_webclient": false,
  "phone_password": false,
  "pmi_password": false,
  "require_password_for_scheduled_meeting": false,
  "require_password_for_scheduled_webinar": false,
  "waiting_room": false,
  "waiting_room_settings": {
   "participants_to_place_in_waiting_room": 0,
   "users_who_can_admit_participants_from_waiting_room": 0,
   "whitelisted_domains_for_waiting_room": ""
  },
  "webinar_password": false
 },
 "profile": {
  "recording_storage_location": {
   "allowed_values": [],
   "value": ""
  }
 },
 "recording": {
  "ask_host_to_confirm_disclaimer": false,
  "ask_participants_to_consent_disclaimer": false,
  "auto_delete_cmr": false,
  "auto_delete_cmr_days": 30,
  "auto_recording": "local",
  "cloud_recording": false,
  "display_participant_name": false,
  "host_pause_stop_recording": false,
  "ip_address_access_control": {
   "enable": false,
   "ip_addresses_or_ranges": ""
  },
  "local_recording": false,
  "optimize_recording_for_3rd_party_video_editor": false,
  "record_audio_file": false,
  "record_files_separately": {
   "active_speaker": false,
   "gallery_view": false,
   "shared_screen": false
  },
  "record_gallery_view": false,
  "record_speaker_view": false,
  "recording_audio_transcript": false,
  "recording_disclaimer": false,
  "recording_highlight": false,
  "recording_notification_for_zoom_client": {
   "ask_host_to_confirm": false,
   "disclaimer_to_participants": "",
   "play_voice_prompt": ""
  },
  "recording_password_requirement": {
   "have_letter": false,
   "have_number": false,
   "have_special_character": false,
   "length": 0,
   "only_allow_numeric": false
  },
  "recording_thumbnails": false,
  "save_chat_text": false,
  "save_close_caption": false,
  "save_panelist_chat": false,
  "save_poll_results": false,
  "show_timestamp": false,
  "smart_recording": {
   "create_next_steps": false,
   "create_recording_highlights": false,
   "create_smart_chapters": false
  }
 },
 "schedule_meeting": {
  "audio_type": "voip",
  "continuous_meeting_chat": {
   "auto_add_invited_external_users": false,
   "can_add_external_users": false,
   "enable": false,
   "support_instant_meetings": false,
   "support_scheduled_meetings": false
  },
  "default_password_for_scheduled_meetings": "",
  "embed_password_in_join_link": false,
  "force_pmi_jbh_password": false,
  "host_video": false,
  "join_before_host": false,
  "meeting_password_requirement": {
   "consecutive_characters_length": 0,
   "have_letter": false,
   "have_number": false,
   "have_special_character": false,
   "have_upper_and_lower_characters": false,
   "length": 0,
   "only_allow_numeric": false,
   "weak_enhance_detection": false
  },
  "participants_video": false,
  "personal_meeting": false,
  "pmi_password": "",
  "pstn_password_protected": false,
  "require_password_for_instant_meetings": false,
  "require_password_for_pmi_meetings": "jbh_only",
  "require_password_for_scheduled_meetings": false,
  "require_password_for_scheduling_new_meetings": false,
  "use_pmi_for_instant_meetings": false,
  "use_pmi_for_scheduled_meetings": false
 },
 "telephony": {
  "audio_conference_info": "",
  "show_international_numbers_link": false,
  "telephony_regions": {
   "allowed_values": [],
   "selection_values": ""
  },
  "third_party_audio": false
 },
 "tsp": {
  "call_out": false,
  "call_out_countries": [],
  "global_dial_in_countries": {
   "allowed_countries": [],
   "selected_countries": []
  },
  "show_international_numbers_link": false
 },
 "whiteboard": {
  "in_meeting_advanced_whiteboard": false,
  "out_meeting_advanced_whiteboard": false
 }
}
"""#
}
